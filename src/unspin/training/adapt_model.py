"""The model side of `unspin adapt`: one start folder's heads remapped to the taxonomy and
trained (`train_member`), the adapted members of a fused start fused again (`write_fused`),
and the decoding settings either carried over from the start (`keep_decoding`) or re-tuned
on the held-out part (`tune_decoding`)."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from unspin import taxonomy
from unspin.doc import Document
from unspin.errors import InputError
from unspin.io.ptc import Label
from unspin.runtime.decode.memory import renumbered
from unspin.runtime.folder import ModelFolder
from unspin.training.args import TrainingArguments
from unspin.training.trainer import Trainer, TrainingCorpus

if TYPE_CHECKING:
    from unspin.training.adapt import AdaptArguments

HEADS = ("token_techniques.weight", "token_techniques.bias", "span_head.mlp.3.weight", "span_head.mlp.3.bias")
MODEL_FILES = ("config.json", "weights.npz", "tokenizer.json")


def remap_heads(state: dict[str, torch.Tensor], old: list[str], new: list[str], *,
                fill: Callable[[str, torch.Tensor], torch.Tensor] | None = None,
                like: Mapping[str, Mapping[str, float]] | None = None) -> dict[str, torch.Tensor]:
    """`state` with technique heads for `new`: a technique the start labels (or continues, in
    another spelling) keeps its row; a new one in `like` gets the mix of the start's rows it
    gives (`resemble.resemblance`), any other `fill(key, rows)`, by default the mean of the
    start's rows."""
    rename = taxonomy.renamer(old)
    rows = [old.index(r) if (r := rename(n)) is not None else None for n in new]
    out = dict(state)
    for key in HEADS:
        weight = state[key]
        other = fill(key, weight) if fill else weight.mean(0)
        out[key] = torch.stack([weight[r] if r is not None else _mix(weight, old, (like or {}).get(n), other)
                                for n, r in zip(new, rows, strict=True)]).clone()
    return out


def _mix(weight: torch.Tensor, old: list[str], shares: Mapping[str, float] | None,
         other: torch.Tensor) -> torch.Tensor:
    """`weight`'s rows mixed by `shares` (old technique -> share), or `other` where none apply."""
    kept = {old.index(t): s for t, s in (shares or {}).items() if t in old and s > 0}
    if not kept:
        return other
    total = sum(kept.values())
    return sum(weight[i] * (s / total) for i, s in kept.items())


@dataclass
class Plan:
    """What training one start folder needs besides `adapt`'s arguments: the taxonomy (with
    what is known of new techniques), the corpus, and the articles validated on."""

    names: list[str]
    info: list[dict[str, str]]
    corpus: TrainingCorpus
    tuning_ids: list[str]
    like: dict[str, dict[str, float]] = field(default_factory=dict)  # new technique -> start's it resembles


def train_member(start: ModelFolder, out: Path, args: AdaptArguments, plan: Plan, *,
                 on_step: Callable[[int, int, float], None], deadline: float | None) -> dict[str, Any]:
    """`start` adapted into `out` (its run, checkpoints and log in `out/run`, resumed when
    there): heads remapped, trained (the heads alone with `heads_only`), the start's weights
    mixed back by `keep_start`. Returns the Trainer's result."""
    from unspin.runtime.backends.weights import load as load_network

    net, tokenizer, settings, config = load_network(start.path)
    run = out / "run"
    run.mkdir(parents=True, exist_ok=True)
    init = run / "start.pt"
    if not init.is_file():
        torch.save({"net": remap_heads(net.state_dict(), list(start.techniques), plan.names,
                                            like=plan.like)}, init)
    training = TrainingArguments(
        data=None, out=str(run), base=config.get("base"), encoder_config=config.get("encoder_config"),
        layers=config.get("layers"), epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
        head_lr=args.head_lr, seed=args.seed, max_len=settings.max_len, stride=settings.stride,
        tuning_ids=plan.tuning_ids, holdout_ids=[], init=str(init), bf16=False, techniques=plan.names,
        technique_info=plan.info, length_buckets=True, line_marks=bool(args.line_marks),
        freeze_encoder=args.heads_only, keep="last",
    )
    trainer = Trainer(training, corpus=plan.corpus, on_step=on_step, tokenizer=tokenizer,
                      stop=lambda: deadline is not None and time.monotonic() > deadline)
    result = trainer.train()
    model = run / "model"
    if not (model / "config.json").is_file():
        raise InputError("Training stopped before its first epoch ended: give it more --minutes.")
    for name in MODEL_FILES:  # the run's model stays as trained
        if (model / name).is_file():
            shutil.copy2(model / name, out / name)
    if args.keep_start:
        from unspin.training.weights import interpolate

        interpolate(model, torch.load(init, weights_only=True)["net"], 1 - args.keep_start, out)
    return result


def cost(folder: ModelFolder) -> int:
    """A member's share of the training time: its encoder layers (12 where the config keeps all)."""
    return len(folder.config.get("layers") or range(12))


def write_fused(out: Path, start: ModelFolder, members: list[Path], names: list[str],
                info: list[dict[str, str]]) -> None:
    """`out/config.json`: the adapted `members` (folders inside `out`) fused with the start's
    weights and views, the start's settings, and the taxonomy."""
    config = {
        "format": 1, "fuse": [str(m.relative_to(out)) for m in members], "views": start.config.get("views"),
        "weights": start.config.get("weights"), "settings": dict(start.config.get("settings", {})),
        "techniques": names, **({"technique_info": info} if info else {}),
    }
    out.mkdir(parents=True, exist_ok=True)
    kept = {k: v for k, v in config.items() if v is not None}
    (out / "config.json").write_text(json.dumps(kept, indent=1) + "\n", encoding="utf-8")


def keep_decoding(model: Path, start: ModelFolder, names: list[str]) -> None:
    """The start's decoding settings (thresholds, revision rules, calibration, least score) in
    `model`'s config: its span memory and per-technique calibration moved to `names`' order and
    spelling (techniques the start does not continue lose theirs)."""
    folder = ModelFolder.read(model, check=False)
    own = folder.config.get("settings", {})
    settings = dict(start.config.get("settings", {}))
    rename = taxonomy.renamer(names)
    if memory := settings.get("span_memory"):  # start index -> index in `names`
        index = {k: names.index(n) for k, old in enumerate(start.techniques) if (n := rename(old))}
        settings["span_memory"] = renumbered(memory, index)
    if calibration := settings.get("calibration"):
        moved = {key: key if key == "*" else rename(key) for key in calibration}
        settings["calibration"] = {moved[key]: maps for key, maps in calibration.items() if moved[key]}
    for key in ("max_len", "stride", "line_marks", "cls_id", "sep_id", "pad_id"):  # the member's own encoding
        if key in own:
            settings[key] = own[key]
    folder.config["settings"] = settings
    folder.config["tuning"] = {"decoding": f"kept from {start.name}"}
    folder.write()


def tune_decoding(model: Path, train_docs: list[Document], held_docs: list[Document],
                  labels: dict[str, list[Label]]) -> None:
    """Decoding thresholds, then revision rules, calibration and the least score, all chosen
    on the held-out documents (the span memory, and the techniques tried as whole-text spans,
    from the training documents)."""
    from unspin.runtime.load import load_predictor
    from unspin.tuning import span_memory
    from unspin.tuning.output import tune_output, write_output_settings
    from unspin.tuning.thresholds import tune, write_settings
    from unspin.tuning.whole_texts import whole_text_techniques

    predictor, _ = load_predictor(model, backend="torch")
    whole = whole_text_techniques(train_docs, labels)
    write_settings(model, tune(predictor, held_docs, labels, whole=whole))
    predictor, _ = load_predictor(model, backend="torch")
    table = span_memory.of_documents(train_docs, labels, predictor.techniques)
    write_output_settings(model, tune_output(predictor, held_docs, labels, memory=table or None))
