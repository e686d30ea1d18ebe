"""Replay for `unspin adapt`: a share of PTC's train-split articles mixed into the adapted
model's training, their techniques renamed into its taxonomy (spans of techniques it does not
have, or has split apart, count as "don't care"), so the techniques it keeps are not forgotten."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from unspin import taxonomy
from unspin.doc import Document
from unspin.io.ptc import Label

CHARS_PER_TOKEN = 4.5  # English news in a WordPiece or BPE vocabulary, roughly


def windows_of(doc: Document, settings: Any) -> int:
    """About how many encoder windows `doc` takes."""
    tokens = len(doc.text) / CHARS_PER_TOKEN
    return max(1, int(tokens // max(1, settings.stride)) + 1)


def replay_articles(
    folder: str | Path | None,
    share: float,
    docs: list[Document],
    names: list[str],
    *,
    seed: int,
    settings: Any,
    split: str = "train",
) -> tuple[list[Document], dict[str, list[Label]], dict[str, list[tuple[int, int]]]]:
    """PTC articles of `split` making up about `share` of the windows (beside `docs`), with
    labels in `names`' spelling and "don't care" spans; nothing where `folder` is None or
    missing or `share` is 0. The train split replays into training, the tuning split into
    the choice of epoch and decoding settings."""
    from unspin.io.annotations import read_ptc
    from unspin.tuning.splits import split_of

    if not share or folder is None or not (Path(folder) / "train-articles").is_dir():
        return [], {}, {}
    loaded = read_ptc(folder)
    wanted = set(split_of([str(d.id) for d in loaded.docs], split))
    pool = sorted((d for d in loaded.docs if str(d.id) in wanted), key=lambda d: str(d.id))
    random.Random(seed).shuffle(pool)
    budget = share / (1 - share) * sum(windows_of(d, settings) for d in docs)
    rename = taxonomy.renamer(names)
    out: list[Document] = []
    labels: dict[str, list[Label]] = {}
    ignore: dict[str, list[tuple[int, int]]] = {}
    used = 0
    for doc in pool:
        if used >= budget or not docs:
            break
        ident = f"ptc-{doc.id}"
        out.append(Document(text=doc.text, id=ident, meta={"source": "PTC (replay)"}))
        used += windows_of(doc, settings)
        for lab in loaded.labels.get(str(doc.id), []):
            new = rename(str(lab.technique))
            if new is None:
                ignore.setdefault(ident, []).append((lab.start, lab.end))
            else:
                labels.setdefault(ident, []).append(Label(ident, lab.start, lab.end, new))
    return out, labels, ignore
