"""`unspin adapt` (also `unspin model adapt`): a model adapted to your own annotations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from unspin.cli.common import progress_bar, user_errors


def adapt(
    data: list[Path] = typer.Argument(
        ..., help="Labelled data, one or more: PTC folders (export-annotations output too), "
        "ct24-en-style folders, Label Studio .json, doccano .jsonl, SemEval-2021 memes .json; auto-detected."
    ),
    out: Path = typer.Option(..., "--out", "-o", help="The adapted model folder (resumes a run left there)."),
    start: str = typer.Option("fast", "--from", help="Start from: fast, accurate or a model folder."),
    taxonomy: str = typer.Option(
        "keep", "--taxonomy",
        help="keep (PTC's 14 techniques), data (the names in DATA, as written) or a FILE listing them "
        "(name, or name<TAB>display<TAB>definition, one a line).",
    ),
    techniques: Path = typer.Option(
        None, "--techniques", help="Display names and definitions of new techniques (FILE's layout)."
    ),
    epochs: int = typer.Option(
        None, "--epochs", min=1, help="Training epochs (default 5, or 20 with --heads-only)."
    ),
    minutes: float = typer.Option(
        None, "--minutes", min=0.1, help="Stop training in time to finish within this."
    ),
    replay: float = typer.Option(
        0.2, "--replay", min=0.0, max=0.95,
        help="Share of training windows replayed from PTC's train split (kept techniques not forgotten).",
    ),
    replay_data: Path = typer.Option(
        Path("../shared/data/ptc"), "--replay-data", help="The PTC folder to replay (none if missing)."
    ),
    held_out: float = typer.Option(
        0.2, "--held-out", min=0.05, max=0.9, help="Share of documents held out to tune and measure on."
    ),
    keep_start: float = typer.Option(
        0.0, "--keep-start", min=0.0, max=0.95,
        help="Share of the start model's weights mixed back after training (less forgetting, less gain).",
    ),
    heads_only: bool = typer.Option(
        False, "--heads-only",
        help="Keep the start's encoder as it is and train only its heads (minutes; its encoder's states "
        "are computed once).",
    ),
    larger_only: bool = typer.Option(
        False, "--larger-only",
        help="From a fused start (accurate): adapt its larger member alone, giving it all the time; "
        "on hundreds of texts of another genre with --minutes this gains more than adapting both.",
    ),
    decoding: str = typer.Option(
        "auto", "--decoding",
        help="keep (the start's decoding settings), tune (re-tuned on the held-out part) or auto "
        "(tune from 50 held-out documents, else keep).",
    ),
    line_marks: bool = typer.Option(
        None, "--line-marks/--no-line-marks",
        help="Read each line break as a piece of its own. Default: on where most texts are short and "
        "of several lines (memes, posts) and the encoder is trained, off otherwise.",
    ),
    seed: int = typer.Option(13, "--seed"),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Adapt a model to your annotations, genre and list of techniques: fine-tunes from the
    start model's encoder and heads (every member of a fused start) with some PTC replay, keeps
    or re-tunes the decoding settings, and writes a model folder every command takes
    (--model OUT), with the held-out figures before and after. Ctrl-C stops it; the same
    command resumes."""
    from unspin.training.adapt import AdaptArguments
    from unspin.training.adapt import adapt as run

    console = Console(stderr=True)
    with user_errors():
        args = AdaptArguments(
            data=[str(d) for d in data], out=str(out), start=start, taxonomy=taxonomy,
            techniques_file=str(techniques) if techniques else None, epochs=epochs, minutes=minutes,
            replay=replay, replay_data=str(replay_data), held_out=held_out, seed=seed,
            keep_start=keep_start, heads_only=heads_only, larger_only=larger_only, decoding=decoding,
            line_marks=line_marks,
        )
        with progress_bar(console=console) as bar:
            tasks: dict[str, int] = {}

            shown: dict[str, int] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done, total=total)
                tenth = 10 * done // max(total, 1)
                if not console.is_terminal and shown.get(stage) != tenth:  # a log: a line each 10 %
                    shown[stage] = tenth
                    console.print(f"{stage}: {done}/{total}", highlight=False)

            report = run(args, progress=progress)
    if as_json:
        print(json.dumps(report, indent=2))
        return
    show(report, Console())


def show(report: dict[str, Any], console: Console) -> None:
    """What was read, what was gained, where the model is."""
    data, before, after = report["data"], report["held_out_before"], report["held_out_after"]
    console.print(f"read {data['documents']} documents, {data['spans']} spans "
                  f"({len(data['skipped'])} records skipped)")
    for line in data["skipped"][:20]:
        console.print(f"  skipped: {line}")
    for note in report["notes"]:
        console.print(f"note: {note}")
    for name, like in report["taxonomy"].get("new_start_from", {}).items():
        mix = ", ".join(f"{t} {share:.2f}" for t, share in like.items())
        console.print(f"new technique {name}: starts from the start's {mix}", highlight=False)
    gains = report.get("held_out_gain", {})
    table = Table("held-out F1", "before", "after", "gain (95 % interval)")
    for task in ("si", "tc", "flc"):
        g = gains.get(task)
        shown = f"{g['gain']:+.3f} ({g['low']:+.3f} to {g['high']:+.3f})" if g else ""
        table.add_row(task.upper(), f"{before[task]:.3f}", f"{after[task]:.3f}", shown)
    console.print(table)
    per = Table("technique (FLC F1)", "before", "after")
    for name, value in sorted(report["per_technique_after"].items(), key=lambda kv: -kv[1]):
        per.add_row(name, f"{report['per_technique_before'].get(name, 0.0):.3f}", f"{value:.3f}")
    console.print(per)
    stopped = " (stopped at --minutes)" if report["stopped_early"] else ""
    console.print(f"{report['seconds'] / 60:.1f} min, peak memory {report['peak_memory_mb']:.0f} MB, "
                  f"{report['epochs_run']} epoch(s){stopped}")
