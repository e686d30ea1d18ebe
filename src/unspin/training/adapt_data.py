"""The data side of `unspin adapt`: the technique list it learns (`choose_taxonomy`), the
labels in that list's spelling (`relabel`), the seeded split by document, whether the texts
are short multi-line ones (`short_lines`), and what each source was (`digest`)."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unspin import taxonomy
from unspin.doc import Document
from unspin.errors import InputError
from unspin.io.labelled import Labelled
from unspin.io.ptc import Label

if TYPE_CHECKING:
    from unspin.training.adapt import AdaptArguments

SHORT = 1000  # characters: about one window of word pieces (`short_lines`)


def read_taxonomy_file(path: str | Path) -> dict[str, dict[str, str]]:
    """`name` or `name<TAB>display<TAB>definition` per line (# comments and blank lines skipped)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"Cannot read the technique list {path}: {err}.") from err
    out: dict[str, dict[str, str]] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = [p.strip() for p in line.split("\t")]
        if not parts[0] or len(parts) > 3:
            raise InputError(f"{path}:{number}: expected `name` or `name<TAB>display<TAB>definition`.")
        out[parts[0]] = {"name": parts[0], **dict(zip(("display", "definition"), parts[1:], strict=False))}
    if not out:
        raise InputError(f"{path} lists no techniques.")
    return out


def choose_taxonomy(args: AdaptArguments, data: Labelled) -> tuple[list[str], list[dict[str, str]]]:
    """The techniques of the adapted model, in output order, and what is known of the new ones."""
    info: dict[str, dict[str, str]] = {}
    if args.taxonomy == "keep":
        names = list(taxonomy.NAMES)
    elif args.taxonomy == "data":
        names = data.names()
        if not names:
            raise InputError("The data has no technique spans, so `--taxonomy data` has nothing to learn.")
    else:
        info = read_taxonomy_file(args.taxonomy)
        names = list(info)
    if args.techniques_file:
        info.update({k: v for k, v in read_taxonomy_file(args.techniques_file).items() if k in names})
    extra = [{"name": n, **info.get(n, {})} for n in names if n not in taxonomy.BY_NAME]
    return names, extra


Spans = dict[str, list[tuple[int, int]]]


def relabel(data: Labelled, names: list[str]) -> tuple[dict[str, list[Label]], Spans, int]:
    """The labels in `names`' spelling; spans of other techniques become "don't care" spans
    (neither positives nor negatives). With the count of such spans."""
    rename = taxonomy.renamer(names)
    labels: dict[str, list[Label]] = {}
    ignore = {k: list(v) for k, v in data.ignore.items()}
    dropped = 0
    for ident, rows in data.labels.items():
        kept = []
        for lab in rows:
            new = rename(str(lab.technique))
            if new is None:
                ignore.setdefault(ident, []).append((lab.start, lab.end))
                dropped += 1
            else:
                kept.append(Label(ident, lab.start, lab.end, new))
        labels[ident] = kept
    return labels, ignore, dropped


def split_documents(docs: list[Document], share: float, seed: int) -> tuple[list[Document], list[Document]]:
    """(training, held out), by document, seeded; at least one of each."""
    if len(docs) < 2:
        raise InputError(
            f"Adapting needs at least 2 documents (one to train on, one to check on); got {len(docs)}."
        )
    order = sorted(docs, key=lambda d: str(d.id))
    random.Random(seed).shuffle(order)
    n = min(len(order) - 1, max(1, round(len(order) * share)))
    return order[n:], order[:n]


def short_lines(docs: list[Document]) -> bool:
    """Whether most of `docs` are short texts of several lines (memes, posts): at least half
    of them hold a line break and are at most SHORT characters long."""
    several = sum(1 for d in docs if "\n" in d.text.strip() and len(d.text) <= SHORT)
    return bool(docs) and 2 * several >= len(docs)


def digest(paths: list[str]) -> list[dict[str, Any]]:
    """What the data was: each source's path, format and SHA-256 (of a folder: of its files)."""
    out = []
    for raw in paths:
        path = Path(raw)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        h = hashlib.sha256()
        for f in files:
            h.update(str(f.relative_to(path) if path.is_dir() else f.name).encode())
            h.update(hashlib.sha256(f.read_bytes()).digest())
        out.append({"path": str(path), "sha256": h.hexdigest()[:16], "files": len(files)})
    return out


@dataclass
class Prepared:
    """DATA read, its taxonomy chosen (and made known to the process), relabelled and split."""

    data: Labelled
    names: list[str]
    info: list[dict[str, str]]
    labels: dict[str, list[Label]]
    ignore: Spans
    dropped: int  # spans of techniques outside the taxonomy
    train_docs: list[Document]
    held_docs: list[Document]


def prepare(args: AdaptArguments) -> Prepared:
    """What `adapt` trains and measures on, from its arguments (data, taxonomy, held-out share, seed)."""
    from unspin.io.labelled import read_labelled

    data = read_labelled(args.data)
    names, info = choose_taxonomy(args, data)
    taxonomy.register(taxonomy.custom(i["name"], i.get("display"), i.get("definition"), k)
                      for k, i in enumerate(info))
    labels, ignore, dropped = relabel(data, names)
    train_docs, held_docs = split_documents(data.docs, args.held_out, args.seed)
    return Prepared(data, names, info, labels, ignore, dropped, train_docs, held_docs)
