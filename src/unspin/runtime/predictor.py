"""The runtime: documents into windows, windows through a backend each on its own (so a
text's result never depends on what it is batched with), per-token probabilities
stitched across windows, and span rows for the span head. Decoding the probabilities into
spans is `decoding`'s (pure functions); `finding.Decoding` ties the two together."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from tokenizers import Tokenizer

from unspin.runtime import windows as W
from unspin.runtime.decode.bio import RawSpan, sigmoid, softmax
from unspin.runtime.decode.result import Decoding, Progress
from unspin.runtime.decode.revision import mix_token_head, revise
from unspin.runtime.settings import Settings
from unspin.runtime.threads import window_pool

_Row = tuple[np.ndarray | None, np.ndarray, np.ndarray]  # one window's states, BIO and technique logits


class Backend(Protocol):
    """Runs the network: numpy in, numpy out (torch or onnxruntime underneath). `workers`:
    how many windows it may run at once (from threads of its own, side by side)."""

    workers: int

    def encode(self, input_ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(states, bio_logits, token_technique_logits) for a padded batch of windows."""
        ...

    def classify(self, states: np.ndarray, spans: np.ndarray) -> np.ndarray:
        """Technique logits for span rows (window, first, last, len bucket, repeat bucket)."""
        ...


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


def _in_order(futures: list[Future[_Row]]) -> Iterator[_Row]:
    """The futures' results in order; those not yet started are cancelled when the reader
    stops early (an error, Ctrl-C), so the pool does not run windows no one will read."""
    try:
        for f in futures:
            yield f.result()
    finally:
        for f in futures:
            f.cancel()


@dataclass
class _Started:
    """Windows of `docs` handed to the backend (`Predictor._start`): each row's length,
    whether its states are kept (first view), and the rows' results in order."""

    docs: Sequence[_Prepared]
    lengths: list[int]
    keep: np.ndarray
    results: Iterator[_Row]


@dataclass
class Encoded:
    """One text after the encoder: window states, and per-token BIO and technique
    probabilities stitched across windows. Decoding it at any threshold is cheap."""

    doc: _Prepared
    states: np.ndarray  # (windows, L, H)
    bio: np.ndarray  # (n_tokens, 3)
    tech: np.ndarray  # (n_tokens, n_techniques)


class Predictor(Decoding):
    """Shared inference for analysis, SemEval prediction and validation."""

    def __init__(
        self,
        backend: Backend,
        tokenizer: Tokenizer,
        settings: Settings,
        *,
        techniques: Sequence[str] | None = None,
    ):
        from unspin import taxonomy

        self.backend = backend
        self.tokenizer = tokenizer
        self.settings = settings
        self.techniques = tuple(techniques or taxonomy.NAMES)  # the model's labels, in its order

    def prepare(self, text: str) -> _Prepared:
        s = self.settings
        tokens = W.tokenize(self.tokenizer, text, s.line_marks)
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
        """Per doc its states (w, L, H), stitched BIO probabilities (n, 3) and token
        technique probabilities (n, T), averaged over both views where the doc has shifted
        windows too (states: the first view's)."""
        return self._finish(self._start(docs), tick)

    def _start(self, docs: Sequence[_Prepared]) -> _Started:
        """Hand every window of `docs` to the backend, one at a time, each at its own
        length: the result of a window never depends on the others (int8 activations are
        quantized per call, and padding changes float sums), so a text gets the same answer
        alone or batched. With `workers` > 1 the windows queue in the shared window pool
        now (`threads.window_pool`); otherwise each runs when `_finish` reads it."""
        s = self.settings
        rows = [(d, w) for d, doc in enumerate(docs) for w in doc.windows + doc.shifted]
        calls = []
        for d, w in rows:
            ids = np.concatenate([[s.cls_id], docs[d].tokens.ids[w.lo : w.hi], [s.sep_id]]).astype(np.int64)
            calls.append((ids[None], np.ones_like(ids)[None]))
        keep = np.array([k for doc in docs for k in [True] * len(doc.windows) + [False] * len(doc.shifted)])
        results: Iterator[_Row]
        pairs = list(zip(calls, keep, strict=True))
        if self.backend.workers > 1 and len(calls) > 1:
            pool = window_pool(self.backend.workers)
            results = _in_order([pool.submit(self._run, call, k) for call, k in pairs])
        else:
            results = (self._run(call, k) for call, k in pairs)
        return _Started(docs, [ids.shape[1] for ids, _ in calls], keep, results)

    def _run(self, call: tuple[np.ndarray, np.ndarray], keep: bool) -> _Row:
        """One window through the backend; its states in float16 where they are kept (the
        first view's), else none, so windows waiting to be read hold little memory."""
        states, bio, tech = self.backend.encode(*call)
        return (states.astype(np.float16) if keep else None), bio, tech

    def _finish(
        self, started: _Started, tick: Callable[[int], None] | None = None
    ) -> list[tuple[np.ndarray, ...]]:
        """Read the windows `_start` handed over, in row order (`tick(rows done)` after
        each), and stitch them into per-doc outputs (see `_encode`)."""
        docs, lengths = started.docs, started.lengths
        if not lengths:
            return [(np.zeros((0, 0, 0)), np.zeros((0, 3)), np.zeros((0, 0))) for _ in docs]
        width = max(lengths)
        states = bio = tech = None
        for r, (st, b, t) in enumerate(started.results):
            n = lengths[r]
            if bio is None or tech is None:  # padded to the longest window
                bio = np.zeros((len(lengths), width, b.shape[-1]), dtype=np.float32)
                tech = np.zeros((len(lengths), width, t.shape[-1]), dtype=np.float32)
            if st is not None:  # states only for the first view (rows of the second stay zero)
                if states is None:
                    states = np.zeros((len(lengths), width, st.shape[-1]), dtype=np.float16)
                states[r, :n] = st[0]
            bio[r, :n] = b[0]
            tech[r, :n] = t[0]
            if tick is not None:
                tick(r + 1)
        assert states is not None and bio is not None and tech is not None
        bio_p, tech_p = softmax(bio), sigmoid(tech)
        outputs: list[tuple[np.ndarray, ...]] = []
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

    def _span_rows(
        self, doc: _Prepared, char_spans: Sequence[tuple[int, int]]
    ) -> tuple[np.ndarray, list[tuple[int, int]]]:
        """Rows for the span head: the window where each span sits most centrally."""
        rows, token_spans = [], []
        los = np.array([w.lo for w in doc.windows])
        his = np.array([w.hi for w in doc.windows])
        for start, end in char_spans:
            rng = W.token_range(doc.tokens, start, end) or (0, 1)
            a, b = rng
            best = int(np.argmax(np.minimum(a - los, his - b)))  # the first most central
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
        logits = np.zeros((len(rows), len(self.techniques)), dtype=np.float32)
        windows = np.unique(rows[:, 0])
        for i in range(0, len(windows), 32):  # 32 windows' states in fp32 at a time: memory stays flat
            part = np.isin(rows[:, 0], windows[i : i + 32])
            sub = rows[part].copy()
            used, sub[:, 0] = np.unique(sub[:, 0], return_inverse=True)
            logits[part] = self.backend.classify(states[used].astype(np.float32), sub)
        probs = softmax(logits)
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
        raws = mix_token_head(raws, enc.doc.tokens, enc.tech, self.settings.token_mix)
        return revise(raws, enc.doc.text, self.techniques, self.settings)

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
