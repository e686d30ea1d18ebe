"""From documents to raw predictions: windows through a backend, per-token
probabilities stitched across windows, BIO decoding, span classification, cues."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from tokenizers import Tokenizer

from unspin.models import windows as W

Progress = Callable[[int, int], None]  # (windows done, windows known so far)


class Backend(Protocol):
    """Runs the network: numpy in, numpy out (torch or onnxruntime underneath)."""

    def encode(self, input_ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(states, bio_logits, token_technique_logits) for a padded batch of windows."""
        ...

    def classify(self, states: np.ndarray, spans: np.ndarray) -> np.ndarray:
        """Technique logits for span rows (window, first, last, len bucket, repeat bucket)."""
        ...


@dataclass
class RawSpan:
    """A predicted span before it becomes a `doc.Span`."""

    start: int
    end: int
    score: float
    probs: np.ndarray  # (n_techniques,) softmax over techniques
    cue_weights: np.ndarray  # (n_techniques, n_cue_tokens)
    cue_offsets: np.ndarray  # (n_cue_tokens, 2)


@dataclass
class Settings:
    """Decoding settings stored with a trained model."""

    max_len: int = 256
    stride: int = 192
    threshold: float = 0.5  # span threshold for span identification (SI)
    flc_threshold: float | None = None  # for labelled spans (FLC, analyze); None: `threshold`
    token_threshold: float | None = None  # labelled spans also from the token technique head
    seed_threshold: float | None = None  # keep a span only where a piece reaches it (hysteresis)
    token_mix: float = 0.0  # share of the token head in a span's technique probabilities
    shifted_pass: bool = False  # also encode windows shifted by half a window; average
    word_level: bool = False  # decide per word: its pieces' BIO probabilities averaged
    merge_gap: int = 0  # join spans at most this many characters apart on one line
    cls_id: int = 101
    sep_id: int = 102
    pad_id: int = 0


def labelled_threshold(settings: Settings) -> float:
    """The span threshold for labelled spans (FLC output and `analyze`)."""
    return settings.threshold if settings.flc_threshold is None else settings.flc_threshold


def softmax(x: np.ndarray) -> np.ndarray:
    z = np.exp(x - x.max(-1, keepdims=True))
    return z / z.sum(-1, keepdims=True)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def expand_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Grow `[start, end)` so it neither starts nor ends inside a word."""
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum() and text[end - 1].isalnum():
        end += 1
    return start, end


def decode_bio(
    probs: np.ndarray, threshold: float, seed: float | None = None, words: np.ndarray | None = None
) -> list[tuple[int, int, float]]:
    """Token runs `[a, b)` with mean inside-probability, from (n, 3) BIO probabilities.
    A token is inside when P(B) + P(I) > threshold; a confident B starts a new span. With
    `seed` (hysteresis), a run is kept only where some token's P(B) + P(I) reaches it.
    With `words` (each token's word index, ascending), the decision is taken per word on
    the mean of its tokens' probabilities and runs cover whole words."""
    if words is not None and len(words):
        n = int(words[-1]) + 1
        total = np.zeros((n, probs.shape[1]), dtype=np.float64)
        np.add.at(total, words, probs)
        per_word = total / np.bincount(words, minlength=n)[:, None]
        first = np.searchsorted(words, np.arange(n + 1))  # word w: tokens [first[w], first[w+1])
        return [
            (int(first[a]), int(first[b]), score) for a, b, score in decode_bio(per_word, threshold, seed)
        ]
    inside = 1.0 - probs[:, W.O]
    runs: list[tuple[int, int, float]] = []
    a = None
    for t in range(len(probs)):
        if inside[t] > threshold:
            if a is not None and probs[t, W.B] > probs[t, W.I] and probs[t, W.B] > 0.5:
                runs.append((a, t, float(inside[a:t].mean())))
                a = t
            elif a is None:
                a = t
        elif a is not None:
            runs.append((a, t, float(inside[a:t].mean())))
            a = None
    if a is not None:
        runs.append((a, len(probs), float(inside[a:].mean())))
    if seed is not None:
        runs = [r for r in runs if inside[r[0] : r[1]].max() >= seed]
    return runs


def merge_close(text: str, spans: list[tuple[int, int, float]], gap: int) -> list[tuple[int, int, float]]:
    """Spans (in order) joined where at most `gap` characters, and no line break, separate
    them; a joined span's score is its parts' scores averaged by their lengths."""
    out: list[list[float]] = []  # start, end, sum of score × length, summed length
    for start, end, score in spans:
        if out and start - out[-1][1] <= gap and "\n" not in text[int(out[-1][1]) : start]:
            out[-1][1] = max(out[-1][1], end)
            out[-1][2] += score * (end - start)
            out[-1][3] += end - start
        else:
            out.append([start, end, score * (end - start), end - start])
    return [(int(a), int(b), total / length if length else 0.0) for a, b, total, length in out]


def spans_from_bio(
    doc: _Prepared, bio: np.ndarray, threshold: float, settings: Settings | None = None
) -> list[tuple[int, int, float]]:
    """Character spans `(start, end, score)` decoded from stitched BIO probabilities with
    `settings`' seed threshold, word-level decision and merge gap, grown to whole words."""
    s = settings or Settings()
    words = doc.words() if s.word_level else None
    found = []
    for a, b, score in decode_bio(bio, threshold, s.seed_threshold, words):
        start, end = expand_to_words(
            doc.text, int(doc.tokens.offsets[a, 0]), int(doc.tokens.offsets[b - 1, 1])
        )
        found.append((start, end, score))
    return merge_close(doc.text, found, s.merge_gap) if s.merge_gap > 0 else found


def token_spans(enc: Encoded, threshold: float) -> list[RawSpan]:
    """Per technique, the runs of word pieces whose token-head probability for it exceeds
    `threshold`, grown to whole words: spans with that one technique (probability 1) and
    the run's mean probability as score."""
    out = []
    tech, offsets, text = enc.tech, enc.doc.tokens.offsets, enc.doc.text
    for k in range(tech.shape[1] if tech.ndim == 2 else 0):
        on = np.flatnonzero(tech[:, k] > threshold)
        if not len(on):
            continue
        breaks = np.flatnonzero(np.diff(on) > 1)
        for a, last in zip(np.r_[on[0], on[breaks + 1]], np.r_[on[breaks], on[-1]], strict=True):
            b = int(last) + 1
            start, end = expand_to_words(text, int(offsets[a, 0]), int(offsets[b - 1, 1]))
            probs = np.zeros(tech.shape[1], dtype=np.float32)
            probs[k] = 1.0
            lo, hi = max(0, int(a) - 1), min(len(tech), b + 1)
            score = float(tech[a:b, k].mean())
            out.append(RawSpan(start, end, score, probs, tech[lo:hi].T.copy(), offsets[lo:hi]))
    return out


def with_token_spans(found: list[RawSpan], extra: list[RawSpan]) -> list[RawSpan]:
    """`found` plus the token-head spans in `extra` that overlap no span of `found`
    whose top technique is theirs."""
    tops = [(r.start, r.end, int(np.argmax(r.probs))) for r in found]
    kept = [
        t
        for t in extra
        if not any(k == int(np.argmax(t.probs)) and s < t.end and t.start < e for s, e, k in tops)
    ]
    return sorted(found + kept, key=lambda r: (r.start, r.end))


def mix_token_head(raws: list[RawSpan], enc: Encoded, share: float) -> list[RawSpan]:
    """Span technique probabilities blended with the token head's: `share` of the span's
    mean token-technique probabilities (normalised), the rest from the span classifier."""
    if not share:
        return raws
    out = []
    for r in raws:
        a, b = W.token_range(enc.doc.tokens, r.start, r.end) or (0, 0)
        mean = enc.tech[a:b].mean(0) if b > a else np.zeros_like(r.probs)
        total = float(mean.sum())
        tok = mean / total if total > 0 else r.probs
        probs = ((1 - share) * r.probs + share * tok).astype(np.float32)
        out.append(RawSpan(r.start, r.end, r.score, probs, r.cue_weights, r.cue_offsets))
    return out


def labelled_spans(predictor: Any, enc: Any, threshold: float | None = None) -> list[RawSpan]:
    """Spans to label (FLC, `analyze`): decoded at the labelled-span threshold, plus the
    token head's own spans where the model was tuned to use them."""
    s = predictor.settings
    found = predictor.spans(enc, labelled_threshold(s) if threshold is None else threshold)
    if s.token_threshold is None:
        return found
    return with_token_spans(found, token_spans(predictor.stitched(enc), s.token_threshold))


@dataclass
class _Prepared:
    text: str
    tokens: W.Tokens
    windows: list[W.Window]
    shifted: list[W.Window] = field(default_factory=list)  # a second view (`shifted_pass`)
    _words: np.ndarray | None = field(default=None, repr=False)

    def words(self) -> np.ndarray:
        """Each token's word index (see `windows.word_ids`), computed once."""
        if self._words is None:
            self._words = W.word_ids(self.tokens, self.text)
        return self._words


@dataclass
class Encoded:
    """One text after the encoder: window states, and per-token BIO and technique
    probabilities stitched across windows. Decoding it at any threshold is cheap."""

    doc: _Prepared
    states: np.ndarray  # (windows, L, H)
    bio: np.ndarray  # (n_tokens, 3)
    tech: np.ndarray  # (n_tokens, n_techniques)


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
        return spans_from_bio(doc, bio, th, self.settings)

    def _bio(self, enc: Any) -> tuple[_Prepared, np.ndarray]:
        """The tokens and BIO probabilities that spans are decoded from."""
        return enc.doc, enc.bio

    def find(
        self,
        texts: Iterable[str],
        *,
        batch_windows: int = 16,
        threshold: float | None = None,
        labelled: bool = False,
        progress: Progress | None = None,
    ) -> Iterator[list[RawSpan]]:
        """Predicted spans with technique probabilities, one list per text, in order: for
        SI, or with `labelled` the spans to label (see `labelled_spans`); `threshold`
        overrides the span threshold; `progress(done, total)` hears of windows encoded."""
        for enc in self.encode(texts, batch_windows=batch_windows, progress=progress):
            yield labelled_spans(self, enc, threshold) if labelled else self.spans(enc, threshold)

    def label(
        self, texts: Iterable[str], spans: Sequence[Sequence[tuple[int, int]]], *, batch_windows: int = 16
    ) -> Iterator[list[RawSpan]]:
        """Technique probabilities for given character spans (the SemEval TC task)."""
        it = iter(spans)
        for enc in self.encode(texts, batch_windows=batch_windows):
            yield self.classify(enc, [(s, e, 1.0) for s, e in next(it)])


class Predictor(Decoding):
    """Shared inference for analysis, SemEval prediction and validation."""

    def __init__(self, backend: Backend, tokenizer: Tokenizer, settings: Settings, *, batch_rows: int = 16):
        self.backend = backend
        self.tokenizer = tokenizer
        self.settings = settings
        self.batch_rows = batch_rows  # windows per backend call: memory against speed

    def prepare(self, text: str) -> _Prepared:
        tokens = W.tokenize(self.tokenizer, text)
        s = self.settings
        size = s.max_len - 2
        windows = W.make_windows(tokens, text, size=size, stride=s.stride)
        shifted = (
            W.make_windows(tokens, text, size=size, stride=s.stride, lead=size // 2)
            if s.shifted_pass and len(windows) > 1
            else []
        )
        return _Prepared(text, tokens, windows, shifted)

    def _encode(
        self, docs: Sequence[_Prepared], tick: Callable[[int], None] | None = None
    ) -> list[tuple[np.ndarray, ...]]:
        """Run every window of `docs` in one padded batch; per doc its states (w, L, H),
        stitched BIO probabilities (n, 3) and token technique probabilities (n, T),
        averaged over both views where the doc has shifted windows too (states: the
        first view's)."""
        s = self.settings
        rows = [(d, w) for d, doc in enumerate(docs) for w in doc.windows + doc.shifted]
        outputs: list[tuple[np.ndarray, ...]] = []
        if not rows:
            return [(np.zeros((0, 0, 0)), np.zeros((0, 3)), np.zeros((0, 0))) for _ in docs]
        length = max(w.hi - w.lo for _, w in rows) + 2
        ids = np.full((len(rows), length), s.pad_id, dtype=np.int64)
        mask = np.zeros((len(rows), length), dtype=np.int64)
        for r, (d, w) in enumerate(rows):
            n = w.hi - w.lo
            ids[r, 0] = s.cls_id
            ids[r, 1 : n + 1] = docs[d].tokens.ids[w.lo : w.hi]
            ids[r, n + 1] = s.sep_id
            mask[r, : n + 2] = 1
        states, bio, tech = self._run_sorted(ids, mask, tick)
        bio_p, tech_p = softmax(bio), sigmoid(tech)
        r = 0
        for doc in docs:
            n = len(doc.tokens)
            bio_sum = np.zeros((n, 3), dtype=np.float32)
            tech_sum = np.zeros((n, tech_p.shape[-1]), dtype=np.float32)
            first = r
            views = [doc.windows, doc.shifted] if doc.shifted else [doc.windows]
            for windows in views:
                bio_view = np.zeros_like(bio_sum)
                tech_view = np.zeros_like(tech_sum)
                count = np.zeros((n, 1), dtype=np.float32)
                for w in windows:
                    k = w.hi - w.lo
                    bio_view[w.lo : w.hi] += bio_p[r, 1 : k + 1]
                    tech_view[w.lo : w.hi] += tech_p[r, 1 : k + 1]
                    count[w.lo : w.hi] += 1
                    r += 1
                count = np.maximum(count, 1)
                bio_sum += bio_view / count / len(views)
                tech_sum += tech_view / count / len(views)
            outputs.append((states[first : first + len(doc.windows)], bio_sum, tech_sum))
        return outputs

    def _run_sorted(
        self, ids: np.ndarray, mask: np.ndarray, tick: Callable[[int], None] | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Run the backend on batches of similar length, each padded only to its own
        longest window; results come back in row order, padded to the full length."""
        lengths = mask.sum(1)
        order = np.argsort(-lengths, kind="stable")
        states = bio = tech = None
        for i in range(0, len(order), self.batch_rows):
            rows = order[i : i + self.batch_rows]
            width = int(lengths[rows].max())
            st, b, t = self.backend.encode(ids[rows, :width], mask[rows, :width])
            if states is None:
                states = np.zeros((len(ids), ids.shape[1], st.shape[-1]), dtype=np.float16)
                bio = np.zeros((len(ids), ids.shape[1], b.shape[-1]), dtype=np.float32)
                tech = np.zeros((len(ids), ids.shape[1], t.shape[-1]), dtype=np.float32)
            states[rows, :width] = st
            bio[rows, :width] = b
            tech[rows, :width] = t
            if tick is not None:
                tick(i + len(rows))
        assert states is not None and bio is not None and tech is not None
        return states, bio, tech

    def _span_rows(
        self, doc: _Prepared, char_spans: Sequence[tuple[int, int]]
    ) -> tuple[np.ndarray, list[tuple[int, int]]]:
        """Rows for the span head: the window where each span sits most centrally."""
        rows, token_spans = [], []
        for start, end in char_spans:
            rng = W.token_range(doc.tokens, start, end) or (0, 1)
            a, b = rng
            best, margin = 0, -(10**9)
            for i, w in enumerate(doc.windows):
                m = min(a - w.lo, w.hi - b)
                if m > margin:
                    best, margin = i, m
            w = doc.windows[best]
            first = min(max(a, w.lo), w.hi - 1) - w.lo + 1
            last = min(max(b - 1, w.lo), w.hi - 1) - w.lo + 1
            rows.append(
                [best, first, max(first, last), W.length_bucket(b - a), W.repeat_bucket(doc.text, start, end)]
            )
            token_spans.append((a, b))
        return np.asarray(rows, dtype=np.int64).reshape(-1, 5), token_spans

    def _classify(
        self, doc: _Prepared, states: np.ndarray, tech_p: np.ndarray, found: Sequence[tuple[int, int, float]]
    ) -> list[RawSpan]:
        if not found or not doc.windows:
            return []
        rows, token_spans = self._span_rows(doc, [(s, e) for s, e, _ in found])
        used, rows[:, 0] = np.unique(rows[:, 0], return_inverse=True)
        logits = self.backend.classify(states[used].astype(np.float32), rows)
        probs = softmax(logits.astype(np.float32))
        out = []
        for (start, end, score), p, (a, b) in zip(found, probs, token_spans, strict=True):
            lo, hi = max(0, a - 1), min(len(doc.tokens), b + 1)  # cue candidates: the span ±1 piece
            out.append(RawSpan(start, end, score, p, tech_p[lo:hi].T.copy(), doc.tokens.offsets[lo:hi]))
        return out

    def encode(
        self, texts: Iterable[str], *, batch_windows: int = 16, progress: Progress | None = None
    ) -> Iterator[Encoded]:
        """Run the encoder over `texts`, `batch_windows` windows at a time, in order;
        `progress(done, total)` is called after each backend call."""
        for chunk, encoded in self._chunks(texts, batch_windows, progress):
            for doc, (states, bio_p, tech_p) in zip(chunk, encoded, strict=True):
                yield Encoded(doc, states, bio_p, tech_p)

    def stitched(self, enc: Encoded) -> Encoded:
        """The encoding whose BIO probabilities decode to spans (itself; see fusion)."""
        return enc

    def classify(self, enc: Encoded, found: Sequence[tuple[int, int, float]]) -> list[RawSpan]:
        """Technique probabilities for character spans `(start, end, score)` of `enc`."""
        raws = self._classify(enc.doc, enc.states, enc.tech, found)
        return mix_token_head(raws, enc, self.settings.token_mix)

    def _chunks(
        self, texts: Iterable[str], batch_windows: int, progress: Progress | None = None
    ) -> Iterator[tuple[list[_Prepared], list[tuple[np.ndarray, ...]]]]:
        chunk: list[_Prepared] = []
        n_windows = done = 0

        def flush() -> list[tuple[np.ndarray, ...]]:
            nonlocal done
            known = done + n_windows
            tick = None if progress is None else (lambda rows: progress(done + rows, known))
            out = self._encode(chunk, tick)
            done = known
            return out

        for text in texts:
            doc = self.prepare(text)
            chunk.append(doc)
            n_windows += len(doc.windows) + len(doc.shifted)
            if n_windows >= batch_windows:
                yield chunk, flush()
                chunk, n_windows = [], 0
        if chunk:
            yield chunk, flush()
