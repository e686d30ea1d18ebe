"""Variants of finished memes adaptations, without training again (the figures behind
docs/adapt.md's memes rows and forgetting table):

    # WiSE-FT: a single-member run's weights mixed with its start's by S, as --keep-start does,
    # the decoding re-tuned on the run's held-out part as adapt does; memes dev and PTC tuning
    .venv/bin/python benchmarks/adapt_variants.py mix --run DIR --start MEMBER --shares 0.15,0.3,0.5 --out OUT
    # a fused run's larger member alone, and the pair with its member weight re-tuned; memes dev
    .venv/bin/python benchmarks/adapt_variants.py members --run DIR --out OUT
    # a single-member run's last epoch instead of the one it kept, and the two averaged;
    # the decoding re-tuned as adapt does; memes dev (--fold K: a CheckThat! run, its decoding kept)
    .venv/bin/python benchmarks/adapt_variants.py last --run DIR [--fold K] --out OUT
    # a finished run's decoding re-tuned by this release's code (whole-text spans included) on
    # its held-out part; memes dev. --split-run: the adapt folder whose split it used (a `last` variant)
    .venv/bin/python benchmarks/adapt_variants.py retune --run DIR [--split-run DIR] --out OUT
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import Any

from adapt import DATA, forgetting, score
from emit import emit

TRAIN, DEV = DATA / "memes" / "training_set_task2.txt", DATA / "memes" / "dev_set_task2.txt"


def split(run: Path, start: str) -> tuple[list[Any], list[Any], dict[str, Any], dict[str, Any]]:
    """The run's training documents, its held-out part with the PTC tuning articles that joined
    it, their labels, and the labels of the training documents (as `adapt` made them)."""
    from unspin import config
    from unspin.runtime.folder import ModelFolder
    from unspin.training.adapt import AdaptArguments
    from unspin.training.adapt_data import prepare
    from unspin.training.replay import replay_articles

    settings = json.loads((run / "config.json").read_text())["adapted"]["settings"]
    args = AdaptArguments(data=[str(TRAIN)], out=str(run), start=start, taxonomy="data",
                          held_out=settings["held_out"], replay=settings["replay"], seed=settings["seed"])
    found = prepare(args)
    names, labels, train_docs, held_docs = found.names, found.labels, found.train_docs, found.held_docs
    member = ModelFolder.read(config.model_path(start))
    member = ModelFolder.read(member.members[0]) if member.is_fused else member
    tune_docs, tune_labels, _ = replay_articles(args.replay_data, args.replay, held_docs, names,
                                                seed=args.seed, settings=member.settings(), split="tuning")
    return train_docs, held_docs + tune_docs, {**labels, **tune_labels}, labels


def figures(folder: Path) -> dict[str, float]:
    found = score(folder, [DEV])
    return {task: found[task]["f1"] for task in ("si", "tc", "flc")}


def mix(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from unspin.training.adapt_model import tune_decoding
    from unspin.training.weights import interpolate

    train_docs, docs, gold, _ = split(args.run, args.start)
    init = torch.load(args.run / "run" / "start.pt", weights_only=True)["net"]
    out: dict[str, Any] = {}
    for share in args.shares:
        folder = args.out / f"ks{share}"
        if not (folder / "done").exists():
            shutil.rmtree(folder, ignore_errors=True)
            interpolate(args.run / "run" / "model", init, 1 - share, folder)
            tune_decoding(folder, train_docs, docs, gold)
            (folder / "done").write_text("")
        ptc = forgetting(args.start, folder, "tuning")
        out[str(share)] = {"dev": figures(folder),
                           "ptc_start": {k: ptc["start"][k] for k in ("si", "tc", "flc")},
                           "ptc_adapted": {k: ptc["adapted"][k] for k in ("si", "tc", "flc")}}
    return out


def members(args: argparse.Namespace) -> dict[str, Any]:
    from unspin.runtime.load import load_predictor
    from unspin.training.adapt_model import tune_decoding
    from unspin.tuning import span_memory
    from unspin.tuning.output import tune_output, write_output_settings
    from unspin.tuning.thresholds import tune_fusion, write_settings

    train_docs, docs, gold, labels = split(args.run, "accurate")
    alone, pair = args.out / "larger-alone", args.out / "pair-tuned"
    if not (alone / "done").exists():
        shutil.rmtree(alone, ignore_errors=True)
        larger = sorted((args.run / "members").iterdir())[0]
        shutil.copytree(larger, alone, ignore=shutil.ignore_patterns("run"))
        tune_decoding(alone, train_docs, docs, gold)
        (alone / "done").write_text("")
    if not (pair / "done").exists():
        shutil.rmtree(pair, ignore_errors=True)
        shutil.copytree(args.run, pair, ignore=shutil.ignore_patterns("run"))
        predictor, _ = load_predictor(pair, backend="torch")
        found = tune_fusion(predictor, docs, gold, (0.5, 0.6, 0.7, 0.8, 0.9, 1.0))
        write_settings(pair, found)
        predictor, _ = load_predictor(pair, backend="torch")
        table = span_memory.of_documents(train_docs, labels, predictor.techniques)
        write_output_settings(pair, tune_output(predictor, docs, gold, memory=table or None))
        (pair / "done").write_text(json.dumps(found.get("weights"), default=str))
    return {"larger_alone": figures(alone), "pair_tuned": figures(pair),
            "pair_weights": json.loads((pair / "done").read_text())}


def last(args: argparse.Namespace) -> dict[str, Any]:
    """The run's last epoch (its run/checkpoint.pt) beside the epoch it kept. On the memes the
    decoding is re-tuned as adapt did, and the two epochs are also averaged; with --fold K (a
    CheckThat! run of benchmarks/adapt.py ct24) the run's decoding settings are kept, as adapt
    kept them there, and both are scored on the fold's unseen articles."""
    import torch

    from unspin.runtime.backends.weights import load
    from unspin.training.weights import interpolate, save_like

    final = torch.load(args.run / "run" / "checkpoint.pt", weights_only=False, map_location="cpu")
    best = max(final["history"], key=lambda r: sum(r["valid"][t]["f1"] for t in ("si", "tc", "flc")))
    out: dict[str, Any] = {"epoch_kept": best["epoch"], "epoch_last": final["epoch"]}
    if args.fold is not None:
        from adapt import ct24_fold

        taxonomy = json.loads((args.run / "config.json").read_text())["adapted"]["taxonomy"]["mode"]
        test = ct24_fold(args.fold, 3, args.out / "folds", taxonomy)[1]
        folder = args.out / f"last-fold{args.fold}"
        if not (folder / "config.json").exists():
            net, tokenizer, settings, config = load(args.run)
            net.load_state_dict(final["net"])
            save_like(net, tokenizer, settings, config, folder, {"epoch": final["epoch"]})
        for name, model in (("kept", args.run), ("last", folder)):
            found = score(model, [test])
            out[name] = {task: found[task]["f1"] for task in ("si", "tc", "flc")}
        return out
    from unspin.training.adapt_model import tune_decoding

    train_docs, docs, gold, _ = split(args.run, args.start)
    kept = args.run / "run" / "model"
    for name in ("last", "kept-and-last"):
        folder = args.out / name
        if not (folder / "done").exists():
            shutil.rmtree(folder, ignore_errors=True)
            if name == "last":
                net, tokenizer, settings, config = load(kept)
                net.load_state_dict(final["net"])
                save_like(net, tokenizer, settings, config, folder, {"epoch": final["epoch"]})
            else:
                interpolate(kept, final["net"], 0.5, folder)
            tune_decoding(folder, train_docs, docs, gold)
            (folder / "done").write_text("")
        out[name] = figures(folder)
    return out


def retune(args: argparse.Namespace) -> dict[str, Any]:
    from unspin.training.adapt_model import tune_decoding

    train_docs, docs, gold, _ = split(args.split_run or args.run, args.start)
    folder = args.out / "retuned"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(args.run, folder, ignore=shutil.ignore_patterns("run"))
    tune_decoding(folder, train_docs, docs, gold)
    config = json.loads((folder / "config.json").read_text())
    chosen = ("threshold", "flc_threshold", "token_threshold", "whole_threshold", "whole_techniques",
              "min_score")
    return {"before": figures(args.run), "after": figures(folder),
            "settings": {k: config["settings"].get(k) for k in chosen},
            "whole_table": config["tuning"].get("whole")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("variant", choices=("mix", "members", "last", "retune"))
    parser.add_argument("--run", type=Path, required=True, help="a finished adapt folder on the memes")
    parser.add_argument("--start", default="src/unspin/resources/model-mpnet",
                        help="mix, last: the run's start")
    parser.add_argument("--shares", type=lambda v: [float(x) for x in v.split(",")], default=[0.3])
    parser.add_argument("--split-run", type=Path, default=None,
                        help="retune: the adapt folder whose split --run used (default: --run)")
    parser.add_argument("--fold", type=int, default=None, help="last: the CheckThat! fold of the run")
    parser.add_argument("--out", type=Path, required=True, help="a folder for the variants' models")
    args = parser.parse_args()
    found = {"mix": mix, "members": members, "last": last, "retune": retune}[args.variant](args)
    emit({"variant": args.variant, "run": str(args.run)} | found, args.out / "result.json")


if __name__ == "__main__":
    main()
