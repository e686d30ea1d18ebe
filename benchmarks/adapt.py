"""`unspin adapt` on the two real shifts in ../shared/data: figures on documents the
adaptation never saw, before (the start model, its PTC names mapped onto the data's
taxonomy where one name continues another) and after, with the time and peak memory of the
run. Scored with PTC's FLC measure (technique and span, partial overlap credited), close to
SemEval-2021 Task 6's technique-and-span F1.

    # memes: adapt on the 687 training memes, score on the 63 dev memes
    .venv/bin/python benchmarks/adapt.py memes --out benchmarks/results/adapt-memes.json
    # memes by folds over all 750 (fold K's memes scored, the rest adapted on)
    .venv/bin/python benchmarks/adapt.py memes-folds --folds 5 --fold K --out ...
    # CheckThat! 2024, 23 techniques: adapt on two thirds of the 60 articles, score on the rest (3 folds)
    .venv/bin/python benchmarks/adapt.py ct24 --out benchmarks/results/adapt-ct24.json
    # your genre, PTC's taxonomy: ct24-en's PTC-mapped labels, one fold, with the PTC report
    # split before and after (forgetting)
    .venv/bin/python benchmarks/adapt.py ct24 --taxonomy keep --one-fold --out ...
    # PTC figures of adapted models on the tuning split (the start never trained on it)
    .venv/bin/python benchmarks/adapt.py forgetting --start fast --model DIR --ptc-split tuning
    # a fold's adapted members fused (optionally with the start's beside them), tuned on the
    # run's held-out part; and any model folder's "before" on the three folds' test articles
    .venv/bin/python benchmarks/adapt.py fuse --fold K --model LARGER --model FAST [--with-start accurate]
    .venv/bin/python benchmarks/adapt.py before --start src/unspin/resources/model-mpnet
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from emit import emit

DATA = Path("../shared/data")


def score(model: str | Path, test: list[str | Path], names: list[str] | None = None) -> dict[str, Any]:
    """Figures of `model` on the labelled `test` sources, in `names`' spelling (default: the model's)."""
    import unspin
    from unspin.io.labelled import read_labelled
    from unspin.tuning.gains import figures

    predictor = unspin.load(model, backend="torch").predictor
    data = read_labelled(list(test))
    names = names or list(predictor.techniques)
    found = figures(predictor, data.docs, data.labels, names)
    out: dict[str, Any] = {task: {k: found[task][k] for k in ("precision", "recall", "f1")}
                           for task in ("si", "tc", "flc")}
    out["flc_per_technique"] = found["flc"]["per_technique"]
    return out


REPORTED = ("seconds", "peak_memory_mb", "epochs_run", "stopped_early", "held_out_before", "held_out_after",
            "split", "wall_minutes")  # of adapt's report, kept in a benchmark's JSON


def options(args: argparse.Namespace, **more: Any) -> dict[str, Any]:
    """`adapt`'s settings from the command line (the benchmarks' shared flags)."""
    return dict(start=args.start, taxonomy="data", epochs=args.epochs, minutes=args.minutes,
                held_out=args.held_out, replay=args.replay, keep_start=args.keep_start,
                heads_only=args.heads_only, larger_only=args.larger_only, seed=args.seed,
                line_marks={"on": True, "off": False, "auto": None}[args.line_marks]) | more


def run_adapt(data: list[Path], out: Path, **settings: Any) -> dict[str, Any]:
    from unspin.training.adapt import AdaptArguments, adapt

    started = time.monotonic()
    report = adapt(AdaptArguments(data=[str(d) for d in data], out=str(out), **settings))
    report["wall_minutes"] = round((time.monotonic() - started) / 60, 2)
    return report


def before_after(train: Path, test: Path, model: Path, args: argparse.Namespace,
                 **more: Any) -> dict[str, Any]:
    """Adapt on `train` into `model` (the command line's settings, `more` over them); the
    start's and the adapted model's figures on `test`, and the run's time and memory."""
    report = run_adapt([train], model, **options(args, **more))
    names = report["taxonomy"]["techniques"]
    return {"before": score(args.start, [test], names), "after": score(model, [test]),
            "adapt": {k: report[k] for k in REPORTED}}


def memes(args: argparse.Namespace) -> dict[str, Any]:
    train, dev = DATA / "memes" / "training_set_task2.txt", DATA / "memes" / "dev_set_task2.txt"
    out = Path(args.runs) / "memes"
    return {"test": str(dev), **before_after(train, dev, out, args)} | (
        {"ptc_tuning": forgetting(args.start, out, "tuning")} if args.forgetting else {})


def memes_folds(args: argparse.Namespace) -> dict[str, Any]:
    """The memes by folds over all 750 (training and dev together, shuffled with
    random.Random(2021)): adapt on the other folds, score on fold K's memes. Every meme is a
    test meme once, and most were never the yardstick of a design choice (dev was)."""
    memes = [m for name in ("training_set_task2.txt", "dev_set_task2.txt")
             for m in json.loads((DATA / "memes" / name).read_text(encoding="utf-8"))]
    random.Random(2021).shuffle(memes)
    out: dict[str, Any] = {"memes": len(memes), "folds_of": args.folds, "folds": []}
    tmp = Path(tempfile.mkdtemp(prefix="memes-"))
    for k in range(args.folds):
        if args.fold is not None and k != args.fold:
            continue
        test_ids = {m["id"] for m in memes[k :: args.folds]}
        train, test = tmp / f"train{k}.json", tmp / f"test{k}.json"
        train.write_text(json.dumps([m for m in memes if m["id"] not in test_ids]), encoding="utf-8")
        test.write_text(json.dumps([m for m in memes if m["id"] in test_ids]), encoding="utf-8")
        model = Path(args.runs) / f"memes-fold{k}"
        out["folds"].append({"fold": k, "test_memes": len(test_ids),
                             **before_after(train, test, model, args)})
    shutil.rmtree(tmp, ignore_errors=True)
    return out


def ct24_folder(ids: list[str], root: Path, taxonomy: str) -> Path:
    """A ct24-en-style folder of `ids`: with `taxonomy` "data" labels-2023.tsv's 23 techniques
    as its labels, with "keep" the PTC-mapped labels and their ignore spans."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "articles").mkdir(exist_ok=True)
    for ident in ids:
        shutil.copy2(DATA / "ct24-en" / "articles" / f"article{ident}.txt", root / "articles")
    wanted = set(ids)
    pairs = [("labels-2023.tsv", "labels-flc-tc.tsv")] if taxonomy == "data" else [
        ("labels-flc-tc.tsv", "labels-flc-tc.tsv"), ("ignore-spans.tsv", "ignore-spans.tsv")]
    for source, target in pairs:
        rows = [r for r in (DATA / "ct24-en" / source).read_text().splitlines()
                if r.strip() and r.split("\t")[0] in wanted]
        (root / target).write_text("\n".join(rows) + "\n")
    return root


def ct24_fold(k: int, folds: int, root: Path, taxonomy: str) -> tuple[Path, Path, int]:
    """Fold `k` of `folds` over ct24-en's articles (shuffled with random.Random(2024)): its
    training and test folders under `root`, and the number of test articles."""
    ids = sorted(p.stem.removeprefix("article") for p in (DATA / "ct24-en" / "articles").glob("article*.txt"))
    random.Random(2024).shuffle(ids)
    test_ids = ids[k::folds]
    train = ct24_folder([i for i in ids if i not in set(test_ids)], root / f"train{k}", taxonomy)
    return train, ct24_folder(test_ids, root / f"test{k}", taxonomy), len(test_ids)


def ct24(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {"taxonomy": args.taxonomy, "folds": []}
    tmp = Path(tempfile.mkdtemp(prefix="ct24-"))
    for k in range(args.folds):
        if args.fold is not None and k != args.fold:
            continue
        train, test, n_test = ct24_fold(k, args.folds, tmp, args.taxonomy)
        model = Path(args.runs) / f"ct24-{args.taxonomy}-fold{k}"
        fold = {"fold": k, "test_articles": n_test,
                **before_after(train, test, model, args, taxonomy=args.taxonomy)}
        if args.taxonomy == "keep" or args.forgetting:
            fold["ptc_report"] = forgetting(args.start, model)
            fold["ptc_tuning"] = forgetting(args.start, model, "tuning")
        out["folds"].append(fold)
        if args.one_fold:
            break
    for side in ("before", "after"):
        out[side + "_mean_flc_f1"] = round(
            sum(f[side]["flc"]["f1"] for f in out["folds"]) / len(out["folds"]), 4)
    shutil.rmtree(tmp, ignore_errors=True)
    return out


def start_as_member(member: Path, names: list[str], info: list[dict[str, Any]], out: Path) -> Path:
    """The start's member folder `member` relabelled into `names`: a technique it continues
    keeps its row, a new one gets a row that never fires (so in a fused ensemble the start
    speaks only for what it knows)."""
    import torch

    from unspin.runtime.backends.network import PropagandaNet
    from unspin.runtime.backends.weights import load
    from unspin.training.adapt_model import remap_heads
    from unspin.training.weights import save_like

    net, tokenizer, settings, config = load(member)
    state = remap_heads(net.state_dict(), list(config["techniques"]), names, fill=lambda key, rows: (
        torch.full_like(rows[0], -30.0) if key.endswith("bias") else torch.zeros_like(rows[0])))
    wide = PropagandaNet(net.encoder, config["hidden"], len(names))
    wide.load_state_dict(state)
    config = {**config, "techniques": names, "technique_info": info}
    return save_like(wide, tokenizer, settings, config, out, {"start_as_member": str(member)})


def write_fused(folder: Path, members: list[Path], weights: list[float], first: Any) -> None:
    """`folder`'s config.json: a fused ensemble of `members` with `weights`, one view each,
    the first member's settings as its start."""
    config = {"format": 1, "fuse": [str(m) for m in members], "weights": [round(w, 4) for w in weights],
              "views": [1] * len(members), "name": "fused-adapted",
              "settings": dict(first.config["settings"])}
    (folder / "config.json").write_text(json.dumps(config, indent=1) + "\n")


def fuse(args: argparse.Namespace) -> dict[str, Any]:
    """Fold --fold's adapted members (--model, repeated: the larger first) fused, with
    --with-start the start tier's members beside them (speaking only for the techniques
    they continue), the weights and decoding settings tuned on that run's held-out part (its
    seeded split of the fold's training articles, with the PTC tuning articles it used),
    scored on the fold's test articles."""
    from unspin import config as unspin_config
    from unspin.io.labelled import read_labelled
    from unspin.runtime.folder import ModelFolder
    from unspin.runtime.load import load_predictor
    from unspin.training.adapt_data import relabel, split_documents
    from unspin.training.replay import replay_articles
    from unspin.tuning import span_memory
    from unspin.tuning.output import tune_output, write_output_settings
    from unspin.tuning.thresholds import tune, tune_fusion, write_settings

    if args.fold is None or not args.model or (not args.with_start and len(args.model) != 2):
        raise SystemExit("fuse: give --fold K and two --model DIR (the larger first), or any number "
                         "with --with-start")
    tmp = Path(tempfile.mkdtemp(prefix="ct24-"))
    train, test, _ = ct24_fold(args.fold, args.folds, tmp, args.taxonomy)
    first = ModelFolder.read(args.model[0])
    names = list(first.techniques)
    data = read_labelled([str(train)])
    labels, _, _ = relabel(data, names)
    train_docs, held_docs = split_documents(data.docs, args.held_out, 13)
    tune_docs, tune_labels, _ = replay_articles(DATA / "ptc", args.replay, held_docs, names, seed=13,
                                                settings=first.settings(), split="tuning")
    folder = Path(args.runs) / f"fused{'-start' if args.with_start else ''}-fold{args.fold}"
    folder.mkdir(parents=True, exist_ok=True)
    members = [Path(m).resolve() for m in args.model]
    docs, gold = held_docs + tune_docs, {**labels, **tune_labels}
    started = time.monotonic()
    table: dict[str, float] = {}
    if not args.with_start:  # the member weight chosen as `unspin model tune --weights` does
        write_fused(folder, members, [1.0] * len(members), first)
        predictor, _ = load_predictor(folder, backend="torch")
        write_settings(folder, tune_fusion(predictor, docs, gold, (0.5, 0.6, 0.7, 0.8)))
    else:
        start = ModelFolder.read(unspin_config.model_path(args.with_start))
        parts = start.members if start.is_fused else [start.path]
        info = list(first.config.get("technique_info", []))
        members += [start_as_member(p, names, info, folder / f"start-{i}").resolve()
                    for i, p in enumerate(parts)]
        given = start.config.get("weights") or [1.0] * len(parts)
        theirs = [w / sum(given) for w in given]
        best = None
        for share in args.start_share:
            weights = [(1 - share) / len(args.model)] * len(args.model) + [share * w for w in theirs]
            write_fused(folder, members, weights, first)
            tuned = tune(load_predictor(folder, backend="torch")[0], docs, gold)
            table[str(share)] = round(tuned["si_f1"] + tuned["tc_f1"] + tuned["flc_f1"], 4)
            if best is None or table[str(share)] > best[0]:
                best = (table[str(share)], weights, tuned)
        assert best is not None
        write_fused(folder, members, best[1], first)
        write_settings(folder, best[2])
    predictor, _ = load_predictor(folder, backend="torch")
    memory = span_memory.of_documents(train_docs, labels, predictor.techniques)
    write_output_settings(folder, tune_output(predictor, docs, gold, memory=memory or None))
    out = {"fold": args.fold, "members": [str(m) for m in members],
           "weights": json.loads((folder / "config.json").read_text())["weights"],
           "start_share_table": table, "tuning_minutes": round((time.monotonic() - started) / 60, 2),
           "fused": score(folder, [test])}
    if not args.with_start:
        out["members_alone"] = {m: score(m, [test]) for m in args.model}
    shutil.rmtree(tmp, ignore_errors=True)
    return out


def before(args: argparse.Namespace) -> dict[str, Any]:
    """--start alone (any model folder), its names mapped onto the fold's, on each CheckThat!
    fold's test articles: the "before" of a member that `ct24` does not report."""
    from unspin.io.labelled import read_labelled

    tmp = Path(tempfile.mkdtemp(prefix="ct24-"))
    out: dict[str, Any] = {"folds": []}
    for k in range(args.folds):
        train, test, _ = ct24_fold(k, args.folds, tmp, args.taxonomy)
        names = read_labelled([str(train)]).names()
        out["folds"].append({"fold": k, "before": score(args.start, [test], names)})
    shutil.rmtree(tmp, ignore_errors=True)
    return out


@functools.cache
def ptc_figures(folder: str | Path, split: str, only: tuple[str, ...] | None = None) -> dict[str, Any]:
    """SI, TC and FLC (and FLC per technique) of a model on PTC's `split`; a model in another
    taxonomy on the techniques it shares with PTC (`techniques_scored`), `only` narrowing them."""
    import unspin
    from unspin.tuning.evaluate import evaluate_model

    analyzer = unspin.load(folder, backend="torch")
    found = evaluate_model(analyzer.predictor, DATA / "ptc", split, name=analyzer.name, resamples=0,
                           only=list(only) if only is not None else None)
    return {task: found[task]["f1"] for task in ("si", "tc", "flc")} | {
        k: found[k] for k in ("flc_per_technique", "techniques_scored", "gold_left_out", "tc_among_scored")
        if k in found}


def forgetting(start: str, model: str | Path, split: str = "report") -> dict[str, Any]:
    """SI, TC and FLC on PTC's `split` of the adapted model and of the start, on the techniques
    the adapted model kept (all 14 with PTC's taxonomy)."""
    adapted = ptc_figures(model, split)
    kept = adapted.get("techniques_scored")
    return {"split": split, "start": ptc_figures(start, split, tuple(kept) if kept else None),
            "adapted": adapted}


def forgetting_of(args: argparse.Namespace) -> dict[str, Any]:
    """PTC figures of each --model beside --start's (on the techniques each kept) on --ptc-split,
    without adapting anything."""
    if not args.model:
        raise SystemExit("forgetting: give at least one --model DIR")
    return {"split": args.ptc_split, "models": {str(m): forgetting(args.start, m, args.ptc_split)
                                                for m in args.model}}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("shift", choices=("memes", "memes-folds", "ct24", "forgetting", "fuse", "before"))
    parser.add_argument("--taxonomy", choices=("keep", "data"), default="data", help="ct24: which labels")
    parser.add_argument("--start", default="fast", help="a tier or a model folder")
    parser.add_argument("--epochs", type=int, default=None, help="default: 5, or 20 with --heads-only")
    parser.add_argument("--minutes", type=float, default=None)
    parser.add_argument("--held-out", type=float, default=0.2)
    parser.add_argument("--replay", type=float, default=0.2)
    parser.add_argument("--keep-start", type=float, default=0.0)
    parser.add_argument("--heads-only", action="store_true", help="train the heads only (frozen encoder)")
    parser.add_argument("--line-marks", choices=("auto", "on", "off"), default="auto",
                        help="memes: line breaks read as pieces (adapt's default: auto)")
    parser.add_argument("--larger-only", action="store_true",
                        help="a fused start: adapt its larger member alone")
    parser.add_argument("--seed", type=int, default=13, help="adapt's seed (its held-out split and order)")
    parser.add_argument("--folds", type=int, default=3, help="ct24, memes-folds: how many folds")
    parser.add_argument("--one-fold", action="store_true", help="only the first fold")
    parser.add_argument("--forgetting", action="store_true",
                        help="memes, ct24 --taxonomy data: also the PTC figures of the techniques kept")
    parser.add_argument("--fold", type=int, default=None, help="only this fold (0-based)")
    parser.add_argument("--runs", default="runs/adapt-bench")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--model", action="append", default=[],
                        help="forgetting: an adapted model folder (repeat) to score beside --start")
    parser.add_argument("--with-start", default=None, help="fuse: add this tier's members beside --model")
    parser.add_argument("--start-share", type=lambda v: [float(x) for x in v.split(",")],
                        default=[0.3, 0.5],
                        help="fuse: the start members' share of the weights to try (comma-separated)")
    parser.add_argument("--ptc-split", default="report", choices=("report", "tuning"),
                        help="forgetting: the PTC split (the shipped tiers trained on report's articles)")
    args = parser.parse_args()
    measure = {"memes": memes, "memes-folds": memes_folds, "ct24": ct24, "forgetting": forgetting_of,
               "fuse": fuse, "before": before}[args.shift]
    emit({"shift": args.shift, "start": args.start, **measure(args)}, args.out)


if __name__ == "__main__":
    main()
