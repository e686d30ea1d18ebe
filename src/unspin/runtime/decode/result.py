"""Finding spans with a predictor: `Decoding`, the spans, SI/FLC predictions and TC labels
that `Predictor` and the fused ensemble share on top of their `encode`, `stitched` and
`classify`, and `labelled_spans`, the spans `analyze` labels."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from unspin.runtime.decode.bio import (
    RawSpan,
    labelled_threshold,
    spans_from_bio,
    tidy_raws,
    token_spans,
    with_token_spans,
)
from unspin.runtime.decode.whole import whole_spans, with_whole_spans
from unspin.runtime.settings import Settings

if TYPE_CHECKING:
    from unspin.runtime.predictor import Encoded, _Prepared

Progress = Callable[[int, int], None]  # (windows done, windows known so far)


def labelled_spans(predictor: Any, enc: Any, threshold: float | None = None) -> list[RawSpan]:
    """Spans to label (FLC, `analyze`): decoded at the labelled-span threshold, plus the
    token head's own spans and whole-text spans where the model was tuned to use them."""
    s = predictor.settings
    found = predictor.spans(enc, labelled_threshold(s) if threshold is None else threshold)
    if s.token_threshold is None and s.whole_threshold is None:
        return found
    st = predictor.stitched(enc)
    if s.token_threshold is not None:
        extra = token_spans(st.doc.text, st.doc.tokens.offsets, st.tech, s.token_threshold)
        found = with_token_spans(found, tidy_raws(st.doc.text, extra, s.hygiene))
    if s.whole_threshold is not None:
        found = with_whole_spans(found, whole_spans(
            st.doc.text, st.doc.tokens.offsets, st.tech, predictor.techniques, s.whole_techniques,
            s.whole_threshold, s.max_len - 2))
    return found


class Decoding:
    """Spans, SI/FLC predictions and TC labels on top of a predictor's `encode`,
    `stitched` and `classify` (shared by `Predictor` and the fused ensemble)."""

    settings: Settings

    def encode(
        self, texts: Iterable[str], *, batch_windows: int = 16, progress: Progress | None = None
    ) -> Iterator[Any]: ...

    def stitched(self, enc: Any) -> Encoded: ...

    def classify(self, enc: Any, found: Sequence[tuple[int, int, float]]) -> list[RawSpan]: ...

    def spans(self, enc: Any, threshold: float | None = None) -> list[RawSpan]:
        """Decode one encoded text: spans at `threshold` (default: the SI one), labelled."""
        return self.classify(enc, self.bounds(enc, threshold))

    def bounds(self, enc: Any, threshold: float | None = None) -> list[tuple[int, int, float]]:
        """Decode one encoded text: span bounds and scores at `threshold` (default: the SI
        one), not yet labelled."""
        th = self.settings.threshold if threshold is None else threshold
        doc, bio = self._bio(enc)
        words = doc.words() if self.settings.word_level else None
        return spans_from_bio(doc.text, doc.tokens.offsets, bio, th, self.settings, words)

    def _bio(self, enc: Any) -> tuple[_Prepared, np.ndarray]:
        """The tokens and BIO probabilities that spans are decoded from."""
        return enc.doc, enc.bio

    def find(
        self,
        texts: Iterable[str],
        *,
        batch_windows: int = 16,
        span_threshold: float | None = None,
        labelled: bool = False,
        progress: Progress | None = None,
    ) -> Iterator[list[RawSpan]]:
        """Predicted spans with technique probabilities, one list per text, in order: for
        SI, or with `labelled` the spans to label (see `labelled_spans`); `span_threshold`
        overrides the span-decoding threshold (not a least score); `progress(done, total)`
        hears of windows encoded."""
        for enc in self.encode(texts, batch_windows=batch_windows, progress=progress):
            yield labelled_spans(self, enc, span_threshold) if labelled else self.spans(enc, span_threshold)

    def label(
        self, texts: Iterable[str], spans: Sequence[Sequence[tuple[int, int]]], *, batch_windows: int = 16
    ) -> Iterator[list[RawSpan]]:
        """Technique probabilities for given character spans (the SemEval TC task)."""
        it = iter(spans)
        for enc in self.encode(texts, batch_windows=batch_windows):
            yield self.classify(enc, [(s, e, 1.0) for s, e in next(it)])
