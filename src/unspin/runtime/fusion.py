"""An ensemble of models with different tokenizers (MPNet and MiniLM, say), fused on
characters: each member's per-token BIO and technique probabilities are carried onto the
first member's tokens through character offsets and averaged with the members' weights;
spans are decoded from the average, and each member labels them, its technique
probabilities averaged with the same weights.

A folder is a fused ensemble when its config.json has `"fuse": ["a", "b", ...]` naming
member model folders (relative to it) and optionally `"weights"`; its `settings` (the
thresholds) and `second_threshold` apply to the whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from unspin.runtime.decode.bio import RawSpan
from unspin.runtime.decode.result import Decoding, Progress
from unspin.runtime.decode.revision import mix_token_head, revise
from unspin.runtime.predictor import Encoded, Predictor, _Prepared
from unspin.runtime.settings import Settings


def token_at_chars(offsets: np.ndarray, n_chars: int) -> np.ndarray:
    """For each character, the index of the token covering it (-1 where none does)."""
    index = np.full(n_chars + 1, -1, dtype=np.int64)
    for t, (start, end) in enumerate(offsets):
        index[start:end] = t
    return index


def carry_rows(
    source: np.ndarray, target: np.ndarray, n_chars: int, values: np.ndarray, fallback: np.ndarray
) -> np.ndarray:
    """`values` (one row per token of offsets `source`) on the tokens of offsets `target`
    (same text, `n_chars` long): each target token takes the source token covering its
    first character, else its row of `fallback`."""
    if len(target) == 0 or len(source) == 0:
        return fallback
    index = token_at_chars(source, n_chars)[target[:, 0]]
    out = fallback.copy()
    hit = index >= 0
    out[hit] = values[index[hit]]
    return out


def carry(source: Encoded, target: Encoded, values: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """`carry_rows` from one encoded text's tokens to another's."""
    return carry_rows(
        source.doc.tokens.offsets, target.doc.tokens.offsets, len(target.doc.text), values, fallback
    )


def _shares(weights: Sequence[float], n: int) -> np.ndarray:
    """`weights`, one per member, normalised to sum to 1."""
    weights = list(weights)
    if len(weights) != n or min(weights) < 0 or sum(weights) <= 0:
        raise ValueError("A fused ensemble needs one non-negative weight per member.")
    return np.asarray(weights, dtype=np.float32) / sum(weights)


class FusedPredictor(Decoding):
    """Like `Predictor` (encode, spans, classify, find, label, settings, tokenizer), over
    several members."""

    def __init__(
        self,
        members: Sequence[Predictor],
        settings: Settings,
        weights: Sequence[float] | None = None,
        technique_weights: Sequence[float] | None = None,
    ):
        if not members:
            raise ValueError("A fused ensemble needs at least one member.")
        self.members = list(members)
        self.weights = _shares(weights if weights is not None else [1.0] * len(members), len(members))
        self.technique_weights = (
            None if technique_weights is None else _shares(technique_weights, len(members))
        )
        self.settings = settings
        self.tokenizer = members[0].tokenizer
        self.backend = members[0].backend
        self.techniques = members[0].techniques
        if any(m.techniques != self.techniques for m in members):
            raise ValueError("The members of a fused ensemble must label the same techniques.")

    def prepare(self, text: str) -> _Prepared:
        """The first member's tokens and windows for `text`."""
        return self.members[0].prepare(text)

    def encode(
        self, texts: Iterable[str], *, batch_windows: int = 16, progress: Progress | None = None
    ) -> Iterator[list[Encoded]]:
        """Every member's encoding of each text; texts go through in chunks of four, each
        member's windows of a chunk at once (`batch_windows` does not split them further).
        `progress` counts each member's windows in turn."""
        chunk: list[str] = []
        done = [0]
        for text in texts:
            chunk.append(text)
            if len(chunk) >= 4:
                yield from self._encode_chunk(chunk, progress, done)
                chunk = []
        if chunk:
            yield from self._encode_chunk(chunk, progress, done)

    def _encode_chunk(
        self, texts: list[str], progress: Progress | None, done: list[int]
    ) -> Iterator[list[Encoded]]:
        m = len(self.members)
        per_member = []
        unit = [0]  # the first member's windows in this chunk: each member counts as that many

        def tick(d: int, t: int, i: int) -> None:
            if i == 0:
                unit[0] = t
            if progress is not None and t:  # member i of m, d of its t windows done
                u = unit[0] or t
                progress(done[0] + i * u + round(d * u / t), done[0] + m * u)

        # every member's windows queue at once (the first member's first), so on a shared
        # window pool no core idles while one member's last window finishes
        started = [member._start([member.prepare(t) for t in texts]) for member in self.members]
        for i, (member, run) in enumerate(zip(self.members, started, strict=True)):
            total = len(run.lengths)
            outputs = member._finish(run, lambda d, i=i, total=total: tick(d, total, i))
            per_member.append([Encoded(doc, *out) for doc, out in zip(run.docs, outputs, strict=True)])
        done[0] += m * unit[0]
        yield from (list(encs) for encs in zip(*per_member, strict=True))

    def _weights_for(self, field: str) -> np.ndarray:
        """The members' weights for "bio" (spans) or "tech" (techniques)."""
        if field == "tech" and self.technique_weights is not None:
            return self.technique_weights
        return self.weights

    def _fused(self, encs: list[Encoded], field: str) -> np.ndarray:
        """The weighted average of the members' per-piece `field` ("bio" or "tech") on
        the first member's pieces."""
        first = encs[0]
        own = getattr(first, field)
        weights = self._weights_for(field)
        total = weights[0] * own
        for w, enc in zip(weights[1:], encs[1:], strict=True):
            total = total + w * carry(enc, first, getattr(enc, field), own)
        return total

    def _fused_bio(self, encs: list[Encoded]) -> np.ndarray:
        return self._fused(encs, "bio")

    def _bio(self, encs: list[Encoded]) -> tuple[_Prepared, np.ndarray]:
        return encs[0].doc, self._fused_bio(encs)

    def stitched(self, encs: list[Encoded]) -> Encoded:
        """The first member's encoding with the fused BIO and token-technique probabilities."""
        first = encs[0]
        return Encoded(first.doc, first.states, self._fused_bio(encs), self._fused(encs, "tech"))

    def classify(self, encs: list[Encoded], found: Sequence[tuple[int, int, float]]) -> list[RawSpan]:
        """Each member's span classifier labels the spans; probabilities averaged, blended
        with the fused token head (`settings.token_mix`); cues from the first member."""
        labelled = [
            m._classify(enc.doc, enc.states, enc.tech, found)
            for m, enc in zip(self.members, encs, strict=True)
        ]
        out = []
        weights = self._weights_for("tech")
        for raws in zip(*labelled, strict=True):
            probs = sum(w * r.probs for w, r in zip(weights, raws, strict=True))
            first = raws[0]
            out.append(
                RawSpan(first.start, first.end, first.score, probs, first.cue_weights, first.cue_offsets)
            )
        first = encs[0]
        if out and self.settings.token_mix:
            out = mix_token_head(out, first.doc.tokens, self._fused(encs, "tech"), self.settings.token_mix)
        return revise(out, first.doc.text, self.techniques, self.settings)
