"""The Analyzer: text in, `Analysis` out; `load()` finds and builds the model."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from unspin import config
from unspin.doc import Analysis, Cue, Document, Span
from unspin.errors import InputError
from unspin.ingest.normalize import MAX_CHARS, normalize, normalize_document


def check_text(text: str, *, max_chars: int = MAX_CHARS) -> str:
    """`text` normalized for analysis (see `unspin.ingest.normalize`: LF line endings, lone
    surrogates replaced), else `InputError` saying why it cannot be analyzed."""
    return normalize(text, max_chars=max_chars)[0]


class Analyzer:
    """Finds, names and explains propaganda techniques in text.

    Each span's `score` is calibrated: an estimate of the probability that annotators
    mark that technique on (most of) that text. `threshold` is the least score returned.

    >>> analyzer = unspin.load()                     # doctest: +SKIP
    >>> analysis = analyzer.analyze("They are traitors!")   # doctest: +SKIP
    """

    def __init__(self, predictor: Any, *, name: str, max_chars: int | None = None):
        self.predictor = predictor
        self.name = name
        self.max_chars = config.max_chars(max_chars)

    @property
    def threshold(self) -> float:
        """The default `threshold`: the least calibrated score shown (the model's
        `min_score`, chosen for FLC F1 on the tuning split)."""
        return float(self.predictor.settings.min_score)

    def analyze(
        self,
        text: str | Document,
        *,
        threshold: float | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> Analysis:
        """Analyze one text. Empty or whitespace-only text gives an analysis with no spans.
        `progress(done, total)` is called as the text's windows go through the model."""
        return next(self.pipe([text], threshold=threshold, progress=progress))

    def pipe(
        self,
        texts: Iterable[str | Document],
        *,
        batch_size: int = 16,
        threshold: float | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> Iterator[Analysis]:
        """Analyze many texts, batching their windows `batch_size` at a time; each text's
        result is the same as alone. `threshold`: the least span score returned (default
        `self.threshold`); `progress(done, total)` counts windows encoded so far."""
        from unspin.runtime.calibration import scored
        from unspin.runtime.decode.tidy import pick_cues

        least = self.threshold if threshold is None else check_threshold(threshold)
        settings = self.predictor.settings
        names = self.predictor.techniques
        docs: list[Document] = []

        def texts_of() -> Iterator[str]:
            for item in texts:
                doc = normalize_document(item if isinstance(item, Document) else Document(item),
                                         max_chars=self.max_chars)
                docs.append(doc)
                yield doc.text

        found = self.predictor.find(texts_of(), batch_windows=batch_size, labelled=True, progress=progress)
        for i, raws in enumerate(found):
            doc = docs[i]
            docs[i] = None  # type: ignore[call-overload]  # release as we go
            spans = []
            for raw, name, score in scored(raws, names, settings, least):
                cues = pick_cues(
                    doc.text,
                    raw.cue_weights[names.index(name)],
                    raw.cue_offsets,
                    (raw.start, raw.end),
                    settings.n_cues,
                )
                spans.append(Span(doc, raw.start, raw.end, name, score, tuple(Cue(*c) for c in cues)))
            spans.sort(key=lambda s: (s.start, s.end, s.technique))
            yield Analysis(doc, tuple(spans), self.name)


def check_threshold(value: Any) -> float:
    """A `threshold` (the least span score returned): a number in [0, 1], else `InputError`."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        raise InputError(f"threshold must be a number from 0 to 1 (the least span score), got {value!r}.")
    return float(value)


def load(
    name_or_path: str | os.PathLike[str] | None = None,
    *,
    backend: str | None = None,
    threads: int | None = None,
) -> Analyzer:
    """Load an analyzer: a shipped tier ("accurate", the default, or "fast"), a model
    folder, or `UNSPIN_MODEL` when none is given.

    `backend` ("auto", "onnx", "onnx-fp32", "torch"; default `UNSPIN_BACKEND` or "auto"):
    auto and onnx use int8 ONNX where the model allows it, onnx-fp32 full precision. Every
    backend runs one window at a time, so a text's result never depends on what else is
    analyzed with it. `threads`: inference threads (default `UNSPIN_THREADS`, else the CPUs
    this process may use).
    """
    from unspin.runtime.load import load_predictor

    path = config.model_path(name_or_path)
    predictor, folder = load_predictor(path, backend=config.backend(backend), threads=config.threads(threads))
    return Analyzer(predictor, name=str(folder.get("name", path.name)))
