"""`TrainingArguments`: everything a training run depends on, with the one set of defaults
that `unspin model train` (its options' defaults come from here) and Python share. Validates itself;
imports no torch."""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

from unspin.errors import InputError
from unspin.io.extra import parse_extra
from unspin.training.device import native_bf16
from unspin.tuning.splits import report_ids, tuning_ids


def default_tuning_ids() -> list[str]:
    """The articles validated on after every epoch: the tuning split."""
    return tuning_ids()


@dataclass
class TrainingArguments:
    """Everything a training run depends on; stored beside its checkpoints."""

    data: str | None  # None: the Trainer is given its corpus (`unspin adapt`)
    out: str = "runs/minilm"
    base: str | None = "minilm"
    encoder_config: dict[str, Any] | None = None  # for base=None: a random-init encoder
    epochs: int = 6
    batch_size: int = 16
    lr: float = 8e-5  # the encoder's; the shipped recipes' value
    head_lr: float = 5e-4
    warmup: float = 0.06
    weight_decay: float = 0.01
    max_len: int = 256
    stride: int = 192
    seed: int = 13
    bf16: bool | None = None  # bfloat16 autocast; None: where the CPU has it natively
    tuning_ids: list[str] = field(default_factory=default_tuning_ids)
    holdout_ids: list[str] = field(default_factory=report_ids)  # never trained on ([] for all data)
    pseudo: list[str] = field(default_factory=list)  # teacher caches of unlabelled articles
    extra: list[str] = field(default_factory=list)  # annotated folders, PATH or PATH:WEIGHT
    limit: int | None = None  # only the first N training articles, and of each extra folder
    encoder_dropout: float | None = None  # override the encoder's dropout (e.g. 0 for MPNet)
    layers: list[int] | None = None  # keep only these of the base's layers (a shallower student)
    init: str | None = None  # a run (checkpoint.pt or folder), model or pretrain folder; fresh schedule
    teacher: str | None = None  # a model folder whose soft targets the student also learns
    distil: float = 0.5  # weight of the teacher's targets against the gold ones
    freeze_encoder: bool = False  # train the heads only, on encoder states computed once
    class_weights: float = 0.0  # rare techniques weigh (1 / share) ** this in the loss (0: off)
    resume: bool = True
    line_marks: bool = False  # each line break a piece of its own (Settings.line_marks)
    length_buckets: bool = False  # batch examples of similar length (short texts: far less padding)
    keep: str = "best"  # the epoch whose model is kept: best on validation (SI + TC + FLC F1), or last
    techniques: list[str] | None = None  # the labels, in output order (None: PTC's 14)
    technique_info: list[dict[str, str]] = field(default_factory=list)  # display, definition of new ones

    def __post_init__(self) -> None:
        if self.bf16 is None:
            self.bf16 = native_bf16()
        if self.epochs < 1 or self.batch_size < 1:
            raise InputError("epochs and batch_size must be at least 1.")
        if self.keep not in ("best", "last"):
            raise InputError(f"keep must be best or last, got {self.keep!r}.")
        if not 0 <= self.class_weights <= 2:
            raise InputError(f"class_weights must be between 0 and 2, got {self.class_weights}.")
        if not 16 <= self.max_len <= 512:
            raise InputError(f"max_len must be between 16 and 512, got {self.max_len}.")
        if not 0 < self.stride <= self.max_len - 2:
            raise InputError(f"stride must be in 1..max_len-2, got {self.stride}.")
        names = self.techniques
        if names is not None and (not names or len(set(names)) != len(names)):
            raise InputError("techniques must be a non-empty list of distinct names.")
        if self.data is None:
            return
        root = Path(self.data)
        if not (root / "train-articles").is_dir() and not root.is_file():
            raise InputError(
                f"{root} has no train-articles/ folder: point --data at a PTC folder "
                "(train-articles/ and train-labels-task-flc-tc/), a Label Studio .json or a doccano .jsonl."
            )
        self.extra_folders()

    def extra_folders(self) -> list[tuple[str, float]]:
        """`extra` as (folder, weight) pairs."""
        return [parse_extra(entry) for entry in self.extra]


# Each field's default, for the CLI's options (`unspin model train` and Python train alike).
DEFAULTS: dict[str, Any] = {f.name: f.default for f in fields(TrainingArguments) if f.default is not MISSING}
