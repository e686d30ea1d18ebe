"""`unspin adapt`: a shipped (or any) model adapted to a team's annotations, genre and list of
techniques, in minutes on a laptop.

Reads the data (`unspin.io.labelled`), chooses the taxonomy (`taxonomy.py`: keep PTC's 14,
the names in the data, or a file), splits the documents into training and held-out parts
(seeded, by document), trains each of the start's folders (`adapt_model`: the heads remapped,
the whole network or the heads alone fine-tuned with some replay of PTC's train split), fuses
a fused start's members again, keeps the start's decoding settings or re-tunes them on the
held-out part, and writes a model folder that every surface loads, with its provenance and
the held-out figures before and after."""

from __future__ import annotations

import json
import resource
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from unspin import config, taxonomy
from unspin.errors import InputError, UnspinError
from unspin.runtime.folder import ModelFolder
from unspin.training.adapt_data import digest, prepare, short_lines
from unspin.training.adapt_model import Plan, cost, keep_decoding, train_member, tune_decoding, write_fused
from unspin.training.replay import replay_articles
from unspin.training.resemble import read_for, resemblance, strongest
from unspin.training.trainer import TrainingCorpus
from unspin.tuning.gains import figures_of, gain, gold_of, labelled, within_noise

Progress = Callable[[str, int, int], None]  # (stage, done, total)
MEMBERS = "members"  # a fused start's adapted members: OUT/members/<k>-<name>
DECODING = ("auto", "keep", "tune")
TUNE_FROM = 50  # held-out documents from which `decoding="auto"` re-tunes the decoding settings
TUNING_SHARE = 0.2  # of --minutes kept for tuning and calibration after training
FEW_HELD_OUT = 10  # held-out documents below which a bootstrap interval means little


class Cancelled(UnspinError):
    """The adaptation was cancelled; run it again with the same --out to resume."""


@dataclass
class AdaptArguments:
    """What `adapt` depends on; stored in the adapted folder's config (`adapted`)."""

    data: list[str]
    out: str
    start: str = "fast"  # a tier or a model folder
    taxonomy: str = "keep"  # keep, data, or a file listing the techniques
    techniques_file: str | None = None  # display names and definitions of new techniques
    epochs: int | None = None  # None: 5, or 20 with heads_only
    minutes: float | None = None  # a cap on the whole run
    replay: float = 0.2  # share of training windows drawn from PTC's train split
    replay_data: str | None = "../shared/data/ptc"  # a PTC folder; None or missing: no replay
    held_out: float = 0.2  # share of the documents held out for tuning, calibration and figures
    seed: int = 13
    lr: float = 5e-5
    head_lr: float = 1e-3
    batch_size: int = 16
    keep_start: float = 0.0  # share of the start's weights mixed back after training (WiSE-FT)
    heads_only: bool = False  # the start's encoder kept as it is; only the heads trained
    line_marks: bool | None = None  # line breaks read as pieces; None: where `short_lines` (not heads only)
    larger_only: bool = False  # a fused start: adapt its larger member alone, with all the time
    decoding: str = "auto"  # keep the start's decoding settings, re-tune them, or auto (by held-out size)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0 <= self.replay < 1:
            raise InputError(f"--replay must be in [0, 1), got {self.replay}.")
        if not 0 < self.held_out < 1:
            raise InputError(f"the held-out share must be in (0, 1), got {self.held_out}.")
        if self.minutes is not None and self.minutes <= 0:
            raise InputError(f"--minutes must be positive, got {self.minutes}.")
        if not 0 <= self.keep_start < 1:
            raise InputError(f"--keep-start must be in [0, 1), got {self.keep_start}.")
        if self.epochs is None:
            self.epochs = 20 if self.heads_only else 5
        if self.epochs < 1:
            raise InputError(f"--epochs must be at least 1, got {self.epochs}.")
        if self.decoding not in DECODING:
            raise InputError(f"--decoding must be one of {', '.join(DECODING)}, got {self.decoding!r}.")


def adapt(args: AdaptArguments, *, progress: Progress | None = None,
          cancel: Callable[[], bool] | None = None) -> dict[str, Any]:
    """Adapt `args.start` to `args.data`; returns the report it also writes to OUT/adapt.json.
    `progress(stage, done, total)` follows the run; `cancel()` true stops it (resumable)."""
    began = time.monotonic()
    say = progress or (lambda *_: None)
    stop_asked = cancel or (lambda: False)
    out = Path(args.out)
    prepared = prepare(args)
    if args.line_marks is None:  # memes and posts: the encoder learns where their lines break
        args = replace(args, line_marks=not args.heads_only and short_lines(prepared.train_docs))
    data, names, info, labels = prepared.data, prepared.names, prepared.info, prepared.labels
    ignore, dropped, train_docs, held_docs = (prepared.ignore, prepared.dropped, prepared.train_docs,
                                              prepared.held_docs)
    start = ModelFolder.read(config.model_path(args.start))
    parts = [ModelFolder.read(m) for m in start.members] if start.is_fused else [start]
    if args.larger_only:
        parts = [max(parts, key=cost)]
    notes = []
    if dropped:
        notes.append(f"{dropped} span(s) of techniques outside the taxonomy count as \"don't care\"")
    from unspin.runtime.load import load_predictor

    continued = taxonomy.renamer(list(start.techniques))  # where each name goes among the start's
    new = [n for n in names if continued(n) is None]
    start_predictor = load_predictor(start.path, backend="torch")[0]
    # "read": the start reads the held-out part (the figures before) and the new techniques' spans
    reading = {"done": 0, "total": len(held_docs) + (len(read_for(train_docs, labels, new)) if new else 0)}

    def read_one() -> None:
        if stop_asked():
            raise Cancelled("Cancelled before training began; run the same command again to start over.")
        reading["done"] += 1
        say("read", reading["done"], reading["total"])

    say("read", 0, reading["total"])
    before_rows = labelled(start_predictor, held_docs, labels, names, each=read_one)
    like = resemblance(start_predictor, train_docs, labels, new, each=read_one) if new else {}
    del start_predictor
    held_gold = gold_of(held_docs, labels)
    before = figures_of(before_rows, held_gold)
    windows = parts[0].settings()
    replay_docs, replay_labels, replay_ignore = replay_articles(
        args.replay_data, args.replay, train_docs, names, seed=args.seed, settings=windows
    )
    if args.replay and not replay_docs:
        notes.append("no replay: the PTC folder for --replay-data is not there")
    # PTC's tuning articles, in the same share, join the held-out part where epochs and decoding
    # settings are chosen, so those choices keep the kept techniques' PTC behaviour too
    tune_docs, tune_labels, tune_ignore = replay_articles(
        args.replay_data, args.replay, held_docs, names, seed=args.seed, settings=windows, split="tuning",
    )
    plan = Plan(
        names=names, info=info, like=like, tuning_ids=[str(d.id) for d in held_docs + tune_docs],
        corpus=TrainingCorpus(train_docs + held_docs + replay_docs + tune_docs,
                              {**labels, **replay_labels, **tune_labels},
                              {**ignore, **replay_ignore, **tune_ignore}),
    )
    until = began + args.minutes * 60 * (1 - TUNING_SHARE) if args.minutes else None
    folders = [out] if len(parts) == 1 else [out / MEMBERS / f"{k}-{m.path.name}"
                                             for k, m in enumerate(parts)]
    results: list[dict[str, Any]] = []
    steps = {"done": 0, "last": 0}  # one "train" stage counts every member's steps
    for i, (part, folder) in enumerate(zip(parts, folders, strict=True)):
        def on_step(done: int, total: int, _loss: float, left: int = len(parts) - i,
                    folder: Path = folder) -> None:
            if stop_asked():
                raise Cancelled(f"Cancelled; run the same command again to resume from {folder / 'run'}.")
            steps["last"] = total  # members still to train count as many (the same windows and epochs)
            say("train", steps["done"] + done, steps["done"] + total * left)

        now = time.monotonic()  # a fused start's members share the time by their cost
        deadline = None if until is None else now + (until - now) * cost(part) / sum(map(cost, parts[i:]))
        results.append(train_member(part, folder, args, plan, on_step=on_step, deadline=deadline))
        steps["done"], steps["last"] = steps["done"] + steps["last"], 0
    if len(parts) > 1:
        write_fused(out, start, folders, names, info)
    say("tune", 0, 2)
    decoding = args.decoding
    if decoding == "auto":
        decoding = "tune" if len(held_docs) >= TUNE_FROM else "keep"
    if decoding == "keep":  # a member adapted alone keeps its own settings
        keep_decoding(out, start if len(parts) > 1 else parts[0], names)
    else:
        tune_decoding(out, train_docs, held_docs + tune_docs, {**labels, **tune_labels})
    say("tune", 2, 2)
    adapted = ModelFolder.read(out)
    after_rows = labelled(load_predictor(out, backend="torch")[0], held_docs, labels, names)
    after = figures_of(after_rows, held_gold)
    gains = gain(before_rows, after_rows, held_gold, [str(d.id) for d in held_docs], seed=args.seed)
    if len(held_docs) < FEW_HELD_OUT:
        notes.append(f"only {len(held_docs)} held-out document(s): too few for the held-out figures, or "
                     "their intervals, to say much; measure on documents of your own that the run never saw")
    elif noisy := within_noise(gains):
        tasks = ", ".join(t.upper() for t in noisy)
        notes.append(f"the held-out part is {len(held_docs)} document(s): the {tasks} gain's 95 % interval "
                     "includes 0, so it may be chance")
    history = [r for result in results for r in result["history"]]
    report = {
        "start": {"model": args.start, "folder": str(start.path), "name": start.name,
                  **({"members": [str(p.path) for p in parts]} if len(parts) > 1 else {})},
        "data": {"sources": digest(args.data), "formats": data.sources, "documents": len(data.docs),
                 "spans": sum(len(v) for v in labels.values()), "skipped": data.skipped},
        "taxonomy": {"mode": args.taxonomy, "techniques": names,
                     "new": new, "new_start_from": {n: strongest(shares) for n, shares in like.items()}},
        "split": {"train": len(train_docs), "held_out": len(held_docs), "replay": len(replay_docs),
                  "replay_tuning": len(tune_docs), "seed": args.seed},
        "settings": {k: v for k, v in asdict(args).items() if k not in ("data", "out", "extra")},
        "decoding": decoding,
        "held_out_before": _short(before), "held_out_after": _short(after), "held_out_gain": gains,
        "per_technique_after": after["flc"]["per_technique"],
        "per_technique_before": before["flc"]["per_technique"],
        "epochs_run": max(r["epoch"] for r in history) if history else 0,
        "stopped_early": any("stopped_after_step" in r for r in history),
        "seconds": round(time.monotonic() - began, 1),
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "notes": notes,
    }
    adapted.config["adapted"] = report
    adapted.config["name"] = f"{start.name}-adapted"
    adapted.write()
    (out / "adapt.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report


def _short(figs: dict[str, Any]) -> dict[str, float]:
    return {task: figs[task]["f1"] for task in ("si", "tc", "flc")}
