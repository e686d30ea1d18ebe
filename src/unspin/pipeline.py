"""The Analyzer: text in, `Analysis` out; `load()` finds and builds the model."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from unspin.doc import Analysis, Cue, Document, Span
from unspin.ingest.normalize import MAX_CHARS, normalize, normalize_document


def check_text(text: str, *, max_chars: int = MAX_CHARS) -> str:
    """`text` normalized for analysis (see `unspin.ingest.normalize`: LF line endings, lone
    surrogates replaced), else `InputError` saying why it cannot be analyzed."""
    return normalize(text, max_chars=max_chars)[0]


TIERS = {"fast": "model", "accurate": "model-accurate"}
DEFAULT_TIER = "accurate"


def shipped_model_path(tier: str = DEFAULT_TIER) -> Path:
    """The folder of a shipped model tier: "accurate" (default) or "fast"."""
    return Path(str(resources.files("unspin").joinpath("resources", TIERS[tier])))


class Analyzer:
    """Finds, names and explains propaganda techniques in text.

    >>> analyzer = unspin.load()                     # doctest: +SKIP
    >>> analysis = analyzer.analyze("They are traitors!")   # doctest: +SKIP
    """

    def __init__(
        self,
        predictor: Any,
        *,
        name: str,
        second_threshold: float = 0.4,
        max_chars: int | None = None,
        n_cues: int = 3,
    ):
        self.predictor = predictor
        self.name = name
        self.second_threshold = second_threshold
        self.max_chars = max_chars or int(os.environ.get("UNSPIN_MAX_CHARS", MAX_CHARS))
        self.n_cues = n_cues

    @property
    def threshold(self) -> float:
        """The default span threshold of `analyze`: the model's one for labelled spans."""
        from unspin.models.predictor import labelled_threshold

        return float(labelled_threshold(self.predictor.settings))

    def analyze(self, text: str | Document, *, threshold: float | None = None) -> Analysis:
        """Analyze one text. Empty or whitespace-only text gives an analysis with no spans."""
        return next(self.pipe([text], threshold=threshold))

    def pipe(
        self, texts: Iterable[str | Document], *, batch_size: int = 16, threshold: float | None = None
    ) -> Iterator[Analysis]:
        """Analyze many texts, batching their windows `batch_size` at a time."""
        from unspin.models.postprocess import techniques_for

        docs: list[Document] = []

        def texts_of() -> Iterator[str]:
            for item in texts:
                doc = normalize_document(item if isinstance(item, Document) else Document(item),
                                         max_chars=self.max_chars)
                docs.append(doc)
                yield doc.text

        for i, raws in enumerate(
            self.predictor.find(
                texts_of(),
                batch_windows=batch_size,
                threshold=threshold,
                labelled=True,
            )
        ):
            doc = docs[i]
            docs[i] = None  # type: ignore[call-overload]  # release as we go
            spans = []
            for raw in raws:
                for name, prob in techniques_for(raw, self.second_threshold):
                    spans.append(
                        Span(doc, raw.start, raw.end, name, raw.score * prob, self._cues(doc.text, raw, name))
                    )
            spans.sort(key=lambda s: (s.start, s.end, s.technique))
            yield Analysis(doc, tuple(spans), self.name)

    def _cues(self, text: str, raw: Any, technique: str) -> tuple[Cue, ...]:
        from unspin import taxonomy
        from unspin.models.predictor import expand_to_words

        weights = raw.cue_weights[taxonomy.INDEX[technique]]
        cues: dict[tuple[int, int], float] = {}
        for t in weights.argsort()[::-1]:
            start, end = expand_to_words(text, int(raw.cue_offsets[t, 0]), int(raw.cue_offsets[t, 1]))
            if not text[start:end].strip() or not any(c.isalnum() for c in text[start:end]):
                continue
            cues[(start, end)] = max(cues.get((start, end), 0.0), float(weights[t]))
            if len(cues) >= self.n_cues:
                break
        return tuple(Cue(s, e, w) for (s, e), w in sorted(cues.items()))


def load(name_or_path: str | os.PathLike[str] | None = None, *, backend: str | None = None) -> Analyzer:
    """Load an analyzer: a shipped tier ("accurate", the default, or "fast"), a model
    folder, or `UNSPIN_MODEL` when none is given.

    `backend` ("auto", "onnx", "onnx-fp32", "torch"; default `UNSPIN_BACKEND` or "auto"):
    auto and onnx use int8 ONNX, whose activations are quantized per batch, so a text's
    scores can differ in the last digits with what it is batched with; onnx-fp32 and
    torch give the same result whatever the batch.
    """
    backend = backend or os.environ.get("UNSPIN_BACKEND") or "auto"
    from unspin.models.loading import load_predictor

    name = str(name_or_path or os.environ.get("UNSPIN_MODEL") or DEFAULT_TIER)
    path = shipped_model_path(name) if name in TIERS else Path(name)
    predictor, config = load_predictor(path, backend=backend)
    return Analyzer(
        predictor,
        name=str(config.get("name", path.name)),
        second_threshold=float(config.get("second_threshold", 0.4)),
    )
