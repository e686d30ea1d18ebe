"""`Settings`: every windowing and decoding setting of a model with its default, stored in the
model folder's config.json (`settings`) and chosen on the tuning split (`unspin.tuning`)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Settings:
    """Windowing and decoding settings, stored with a trained model (config.json)."""

    max_len: int = 256
    stride: int = 192
    line_marks: bool = False  # each line break read as a "¶" piece (a model adapted to short texts)
    threshold: float = 0.5  # span threshold for span identification (SI)
    flc_threshold: float | None = None  # for labelled spans (FLC, analyze); None: `threshold`
    token_threshold: float | None = None  # labelled spans also from the token technique head
    whole_threshold: float | None = None  # spans over a whole short text, from the token head's mean
    whole_techniques: list[str] = field(default_factory=list)  # ... for these techniques (whole.py)
    seed_threshold: float | None = None  # keep a span only where a piece reaches it (hysteresis)
    token_mix: float = 0.0  # share of the token head in a span's technique probabilities
    shifted_pass: bool = False  # also encode windows shifted by half a window; average
    word_level: bool = False  # decide per word: its pieces' BIO probabilities averaged
    merge_gap: int = 0  # join spans at most this many characters apart on one line
    second_threshold: float = 0.4  # a span's runner-up technique is kept from this probability
    hygiene: list[str] = field(default_factory=list)  # tidy-up rules applied (see HYGIENE)
    calibration: dict[str, list[list[float]]] | None = None  # technique -> [xs, ys]; see calibration
    min_score: float = 0.0  # the default `threshold` of analyze: the least calibrated score shown
    repetition_share: float = 0.0  # weight moved to Repetition where a span's words recur
    span_memory: dict[str, str] | None = None  # span text key -> technique counts (span_memory)
    memory_share: float = 0.0  # share of a span's technique probabilities from `span_memory`
    memory_min_count: int = 1  # ... where its text was marked at least this often in training
    recurrence_share: float = 0.0  # weight moved to Repetition where a span's words came earlier
    recurrence_min: int = 2  # ... and occur at least this many times in the text, it included
    n_cues: int = 3  # cue words per span
    cls_id: int = 101
    sep_id: int = 102
    pad_id: int = 0
