"""`unspin model soup` and `unspin model shrink`: a trained model's weights made smaller or averaged."""

from __future__ import annotations

from pathlib import Path

import typer

from unspin.cli.common import numbers, user_errors


def shrink(
    model: Path = typer.Argument(..., help="Model folder (for example RUN/model)."),
    out: Path = typer.Option(..., "--out", help="Folder for the smaller model."),
    rank: int = typer.Option(192, "--rank", min=1, help="Rank of each large matrix's delta."),
    embedding_rank: int = typer.Option(
        64, "--embedding-rank", min=1, help="Rank of the word embeddings' delta."
    ),
) -> None:
    """Store a model's encoder delta as int8 low-rank factors (truncated SVD), so a
    base-size model fits in the repository; check the cost with `unspin model evaluate`."""
    from unspin.training import weights as artifact

    with user_errors():
        folder = artifact.shrink(model, out, rank=rank, embedding_rank=embedding_rank)
    size = (folder / "weights.npz").stat().st_size / 1e6
    print(f"{folder}: weights.npz {size:.1f} MB (rank {rank})")


def soup(
    models: list[Path] = typer.Argument(..., help="Model folders fine-tuned from one start (RUN/model ...)."),
    out: Path = typer.Option(..., "--out", help="Folder for the averaged model."),
    weights: str = typer.Option(
        None, "--weights", help="One weight per model, e.g. 0.5,0.5 (equal by default)."
    ),
    rank: int = typer.Option(None, "--rank", min=1, help="Store the delta low-rank, as `shrink` does."),
    embedding_rank: int = typer.Option(
        None, "--embedding-rank", min=1, help="Rank of the word embeddings' delta."
    ),
) -> None:
    """Average the weights of several models (a model soup) into one model; tune it with
    `unspin model tune` and check it with `unspin model evaluate` or benchmarks/accuracy.py."""
    from unspin.training import weights as artifact

    with user_errors():
        shares = numbers("--weights", weights) if weights else None
        folder = artifact.soup(models, out, weights=shares, rank=rank, embedding_rank=embedding_rank)
    size = (folder / "weights.npz").stat().st_size / 1e6
    print(f"{folder}: soup of {len(models)} models, weights.npz {size:.1f} MB")
