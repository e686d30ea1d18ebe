"""`unspin adapt`: a shipped (or any) model adapted to a team's annotations, genre and list of
techniques, in minutes on a laptop.

Reads the data (`unspin.io.labelled`), chooses the taxonomy (`taxonomy.py`: keep PTC's 14,
the names in the data, or a file), splits the documents into training and held-out parts
(seeded, by document), starts from the model's encoder and heads (a technique the start
already labels keeps its class, a new one starts from the mean of the start's classes),
fine-tunes with some replay of PTC's train split so kept techniques are not forgotten,
re-tunes decoding and re-fits calibration on the held-out part, and writes a model folder
that every surface loads, with its provenance and the held-out figures before and after."""

from __future__ import annotations

import json
import resource
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from unspin import config, taxonomy
from unspin.doc import Document
from unspin.errors import InputError, UnspinError
from unspin.io.labelled import read_labelled
from unspin.io.ptc import Label
from unspin.runtime.folder import ModelFolder
from unspin.training.adapt_data import choose_taxonomy, digest, relabel, split_documents
from unspin.training.args import TrainingArguments
from unspin.training.replay import replay_articles
from unspin.training.trainer import Trainer, TrainingCorpus
from unspin.tuning.gains import figures_of, gain, gold_of, labelled, within_noise

Progress = Callable[[str, int, int], None]  # (stage, done, total)
HEADS = ("token_techniques.weight", "token_techniques.bias", "span_head.mlp.3.weight", "span_head.mlp.3.bias")
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
    epochs: int = 5
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
        if self.epochs < 1:
            raise InputError(f"--epochs must be at least 1, got {self.epochs}.")


def start_folder(start: str) -> tuple[ModelFolder, str | None]:
    """The folder to adapt: a tier or a path; a fused ensemble's first member (and a note)."""
    folder = ModelFolder.read(config.model_path(start))
    if not folder.is_fused:
        return folder, None
    member = ModelFolder.read(folder.members[0])
    return member, f"{start} is a fused ensemble: adapting its first member, {member.path.name}"


def remap_heads(state: dict[str, torch.Tensor], old: list[str], new: list[str], *,
                fill: Callable[[str, torch.Tensor], torch.Tensor] | None = None) -> dict[str, torch.Tensor]:
    """`state` with technique heads for `new`: a technique the start labels (or continues, in
    another spelling) keeps its row; a new one gets `fill(key, rows)`, by default the mean of
    the start's rows."""
    rename = taxonomy.renamer(old)
    rows = [old.index(r) if (r := rename(n)) is not None else None for n in new]
    out = dict(state)
    for key in HEADS:
        weight = state[key]
        other = fill(key, weight) if fill else weight.mean(0)
        out[key] = torch.stack([weight[r] if r is not None else other for r in rows]).clone()
    return out


def adapt(args: AdaptArguments, *, progress: Progress | None = None,
          cancel: Callable[[], bool] | None = None) -> dict[str, Any]:
    """Adapt `args.start` to `args.data`; returns the report it also writes to OUT/adapt.json.
    `progress(stage, done, total)` follows the run; `cancel()` true stops it (resumable)."""
    began = time.monotonic()
    say = progress or (lambda *_: None)
    stop_asked = cancel or (lambda: False)
    out = Path(args.out)
    data = read_labelled(args.data)
    names, info = choose_taxonomy(args, data)
    taxonomy.register(taxonomy.custom(i["name"], i.get("display"), i.get("definition"), k)
                      for k, i in enumerate(info))
    labels, ignore, dropped = relabel(data, names)
    train_docs, held_docs = split_documents(data.docs, args.held_out, args.seed)
    start, note = start_folder(args.start)
    notes = [n for n in (note,) if n]
    if dropped:
        notes.append(f"{dropped} span(s) of techniques outside the taxonomy count as \"don't care\"")
    from unspin.runtime.backends.weights import load as load_network
    from unspin.runtime.load import load_predictor

    net, start_tokenizer, start_settings, start_config = load_network(start.path)
    old = list(start.techniques)
    continued = taxonomy.renamer(old)  # where each name goes among the start's techniques
    run = out / "run"
    run.mkdir(parents=True, exist_ok=True)
    init = run / "start.pt"
    torch.save({"net": remap_heads(net.state_dict(), old, names)}, init)
    before_rows = labelled(load_predictor(start.path, backend="torch")[0], held_docs, labels, names)
    held_gold = gold_of(held_docs, labels)
    before = figures_of(before_rows, held_gold)
    replay_docs, replay_labels, replay_ignore = replay_articles(
        args.replay_data, args.replay, train_docs, names, seed=args.seed, settings=start_settings
    )
    if args.replay and not replay_docs:
        notes.append("no replay: the PTC folder for --replay-data is not there")
    # PTC's tuning articles, in the same share, join the held-out part where epochs and decoding
    # settings are chosen, so those choices keep the kept techniques' PTC behaviour too
    tune_docs, tune_labels, tune_ignore = replay_articles(
        args.replay_data, args.replay, held_docs, names, seed=args.seed, settings=start_settings,
        split="tuning",
    )
    corpus = TrainingCorpus(
        train_docs + held_docs + replay_docs + tune_docs,
        {**labels, **replay_labels, **tune_labels},
        {**ignore, **replay_ignore, **tune_ignore},
    )
    training = TrainingArguments(
        data=None, out=str(run), base=start_config.get("base"),
        encoder_config=start_config.get("encoder_config"),
        layers=start_config.get("layers"), epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
        head_lr=args.head_lr, seed=args.seed, max_len=start_settings.max_len, stride=start_settings.stride,
        tuning_ids=[str(d.id) for d in held_docs + tune_docs], holdout_ids=[], init=str(init), bf16=False,
        techniques=names, technique_info=info, length_buckets=True, freeze_encoder=args.heads_only,
    )
    deadline = began + args.minutes * 60 * (1 - TUNING_SHARE) if args.minutes else None

    def on_step(done: int, total: int, _loss: float) -> None:
        if stop_asked():
            raise Cancelled(f"Cancelled; run the same command again to resume from {run}.")
        say("train", done, total)

    trainer = Trainer(training, corpus=corpus, on_step=on_step, tokenizer=start_tokenizer,
                      stop=lambda: deadline is not None and time.monotonic() > deadline)
    result = trainer.train()
    model = run / "model"
    if not (model / "config.json").is_file():
        raise InputError("Training stopped before its first epoch ended: give it more --minutes.")
    say("tune", 0, 2)
    for name in ("config.json", "weights.npz", "tokenizer.json"):  # the run's model stays as trained
        if (model / name).is_file():
            shutil.copy2(model / name, out / name)
    if args.keep_start:
        from unspin.training.weights import interpolate

        interpolate(model, torch.load(init, weights_only=True)["net"], 1 - args.keep_start, out)
    _tune(out, train_docs, held_docs + tune_docs, {**labels, **tune_labels})
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
    report = {
        "start": {"model": args.start, "folder": str(start.path), "name": start.name},
        "data": {"sources": digest(args.data), "formats": data.sources, "documents": len(data.docs),
                 "spans": sum(len(v) for v in labels.values()), "skipped": data.skipped},
        "taxonomy": {"mode": args.taxonomy, "techniques": names,
                     "new": [n for n in names if continued(n) is None]},
        "split": {"train": len(train_docs), "held_out": len(held_docs), "replay": len(replay_docs),
                  "replay_tuning": len(tune_docs), "seed": args.seed},
        "settings": {k: v for k, v in asdict(args).items() if k not in ("data", "out", "extra")},
        "held_out_before": _short(before), "held_out_after": _short(after), "held_out_gain": gains,
        "per_technique_after": after["flc"]["per_technique"],
        "per_technique_before": before["flc"]["per_technique"],
        "epochs_run": len(result["history"]),
        "stopped_early": any("stopped_after_step" in r for r in result["history"]),
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


def _tune(model: Path, train_docs: list[Document], held_docs: list[Document],
          labels: dict[str, list[Label]]) -> None:
    """Decoding thresholds, then revision rules, calibration and the least score, all chosen
    on the held-out documents (the span memory from the training documents)."""
    from unspin.runtime.load import load_predictor
    from unspin.tuning import span_memory
    from unspin.tuning.output import tune_output, write_output_settings
    from unspin.tuning.thresholds import tune, write_settings

    predictor, _ = load_predictor(model, backend="torch")
    write_settings(model, tune(predictor, held_docs, labels))
    predictor, _ = load_predictor(model, backend="torch")
    table = span_memory.of_documents(train_docs, labels, predictor.techniques)
    write_output_settings(model, tune_output(predictor, held_docs, labels, memory=table or None))
