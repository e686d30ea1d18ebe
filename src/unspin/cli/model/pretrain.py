"""`unspin model pretrain`: domain-adaptive masked-LM pretraining of a base encoder on news."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from unspin.cli.common import progress_bar, user_errors


def pretrain(
    data: list[Path] = typer.Option(
        ...,
        "--data",
        help="A JSONL file of articles (`id`, `text`) or a PTC folder (its train split's text "
        "only, never the tuning or report split); repeatable.",
    ),
    base: str = typer.Option("minilm", "--base", help="minilm, mpnet, a model folder or a Hub name."),
    out: Path = typer.Option(Path("runs/dapt"), "--out", help="Run folder: checkpoint, log, encoder/."),
    epochs: int = typer.Option(1, "--epochs", min=1),
    batch_size: int = typer.Option(16, "--batch-size", min=1),
    lr: float = typer.Option(5e-5, "--lr"),
    seed: int = typer.Option(13, "--seed"),
    limit: int = typer.Option(None, "--limit", min=1, help="Only the first N articles of each source."),
    bf16: bool | None = typer.Option(
        None, "--bf16/--fp32", help="bfloat16 autocast (default: where the CPU has it natively).",
        show_default=False,
    ),
) -> None:
    """Continue a base encoder's masked-LM training on unlabelled text (domain-adaptive
    pretraining; seeded, resumes from OUT/checkpoint.pt). Then fine-tune from it with
    `unspin model train --base BASE --init OUT`."""

    from unspin.cli.model.train import read_source
    from unspin.training.pretrain import PretrainArguments
    from unspin.training.pretrain import pretrain as run

    with user_errors():
        texts = [d.text for path in data for d in read_source(path)[0][:limit] if d.text.strip()]
        args = PretrainArguments(
            base=base, out=str(out), epochs=epochs, batch_size=batch_size, lr=lr, seed=seed, bf16=bf16
        )
        with progress_bar() as progress:
            bar = progress.add_task("pretraining", total=None)

            def on_step(step: int, total: int, loss: float) -> None:
                progress.update(bar, completed=step, total=total, description=f"pretraining  loss {loss:.3f}")

            result = run(texts, args, on_step=on_step)
    print(json.dumps({"articles": len(texts), **result}))
    print(f"fine-tune from it: unspin model train --base {base} --init {out}")
