"""What the commands share: turning named errors into one-line messages, and reading
comma-separated numbers."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any

import typer

from unspin.errors import InputError, UnspinError


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Print an `UnspinError`, or a storage failure (full disk, lost database: see `storage`),
    as one line on stderr and exit with status 2."""
    from unspin.cli.storage import storage_message

    try:
        yield
    except UnspinError as err:
        message = " ".join(str(err).split("\n")).encode("utf-8", "backslashreplace").decode("utf-8")
        print(f"error: {message}", file=sys.stderr)
        raise typer.Exit(2) from err
    except Exception as err:
        found = storage_message(err)
        if found is None:
            raise
        message = " ".join(found.split("\n")).encode("utf-8", "backslashreplace").decode("utf-8")
        print(f"error: {message}", file=sys.stderr)
        raise typer.Exit(2) from err
    except KeyboardInterrupt as err:
        print("interrupted", file=sys.stderr)
        raise typer.Exit(130) from err


def progress_bar(**options: Any) -> Any:
    """The progress bar of long commands (training, teaching, adapting): what, a bar, done of
    total, time spent and time left. `options` go to `rich.progress.Progress`."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
               TimeElapsedColumn(), TimeRemainingColumn())
    return Progress(*columns, **options)


def use_techniques_of(model: str | None) -> None:
    """Make the techniques of `model` (a tier or folder; an adapted model's own list) known
    to the readers, so its names are accepted as written."""
    if not model:
        return
    from unspin import config, taxonomy
    from unspin.runtime.folder import ModelFolder

    taxonomy.register(ModelFolder.read(config.model_path(model)).technique_info())


def numbers(option: str, text: str) -> list[float]:
    """`0.4,0.6` as numbers; a clear error naming `option` otherwise."""
    try:
        return [float(w) for w in text.split(",")]
    except ValueError as err:
        raise InputError(f"{option}: expected numbers like 0.4,0.6, got {text!r}.") from err
