"""PTC articles (`article<ID>.txt`) and label files (SI: `id start end`, TC/FLC:
`id technique start end`), read and written with exact round trips."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from unspin import taxonomy
from unspin.doc import Document
from unspin.errors import FormatError, InputError, UnknownTechniqueError

ARTICLE_NAME = re.compile(r"^article(?P<id>\d+)\.txt$")


@dataclass(frozen=True, slots=True, order=True)
class Label:
    """One row of a label file. `technique` is None for SI rows and "?" for TC templates."""

    article_id: str
    start: int
    end: int
    technique: str | None = None


def read_article(path: str | Path) -> Document:
    """Read one `article<ID>.txt` exactly as stored (no newline translation)."""
    path = Path(path)
    match = ARTICLE_NAME.match(path.name)
    article_id = match["id"] if match else path.stem
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            text = handle.read()
    except FileNotFoundError as err:
        raise InputError(f"No such article file: {path}") from err
    except UnicodeDecodeError as err:
        raise InputError(f"{path} is not UTF-8 text ({err.reason}).") from err
    return Document(text=text, id=article_id, meta={"path": str(path)})


def article_ids(folder: str | Path) -> list[str]:
    """The ids of the `article<ID>.txt` files in `folder`, from their names (nothing read)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(m["id"] for p in folder.iterdir() if (m := ARTICLE_NAME.match(p.name)))


def read_articles(folder: str | Path) -> list[Document]:
    """All `article<ID>.txt` files in `folder`, sorted by id."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder of article<ID>.txt files.")
    paths = sorted(p for p in folder.iterdir() if ARTICLE_NAME.match(p.name))
    if not paths:
        raise InputError(f"{folder} holds no article<ID>.txt files.")
    return [read_article(p) for p in paths]


def _parse_row(fields: list[str], where: str) -> Label:
    try:
        if len(fields) == 3:
            return Label(fields[0], int(fields[1]), int(fields[2]))
        if len(fields) == 4:
            technique = fields[1]
            if technique != "?":
                technique = taxonomy.normalize(technique)
            return Label(fields[0], int(fields[2]), int(fields[3]), technique)
    except UnknownTechniqueError as err:
        raise FormatError(f"{where}: {err}") from err
    except ValueError as err:
        raise FormatError(f"{where}: offsets must be whole numbers: {fields!r}") from err
    raise FormatError(
        f"{where}: expected `id start end` (SI) or `id technique start end` (TC), "
        f"found {len(fields)} fields: {fields!r}"
    )


def iter_label_file(path: str | Path) -> Iterator[Label]:
    """Rows of one label file; blank lines are skipped, bad rows raise FormatError."""
    path = Path(path)
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            label = _parse_row(line.split("\t") if "\t" in line else line.split(), f"{path}:{number}")
            if label.start < 0 or label.end < label.start:
                raise FormatError(f"{path}:{number}: bad offsets {label.start}..{label.end}")
            yield label


def read_labels(path: str | Path) -> list[Label]:
    """Labels from a file, or from every `*.labels` file in a folder."""
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*.labels"))
        if not files:
            raise InputError(f"{path} holds no *.labels files.")
        return [label for f in files for label in iter_label_file(f)]
    if not path.exists():
        raise InputError(f"No such label file or folder: {path}")
    return list(iter_label_file(path))


def check_field(value: str, what: str) -> str:
    """`value` for one tab-separated field of a label row: refused (FormatError) when empty or
    holding a tab or anything that ends a line, since it would split or forge rows."""
    if not value or "\t" in value or len(f"a{value}b".splitlines()) > 1:
        raise FormatError(f"{what} {value!r} cannot be written in a tab-separated label row: it is "
                          "empty or holds a tab or a line break (rename it).")
    return value


def format_label(label: Label) -> str:
    """One row; an article id or technique that would break the row is refused."""
    check_field(label.article_id, "The article id")
    if label.technique is not None:
        check_field(label.technique, "The technique")
    if label.technique is None:
        return f"{label.article_id}\t{label.start}\t{label.end}"
    return f"{label.article_id}\t{label.technique}\t{label.start}\t{label.end}"


def write_labels(labels: Iterable[Label], path: str | Path) -> int:
    """Write labels one per line (tab-separated, PTC order); returns the row count."""
    rows = [format_label(label) for label in labels]
    Path(path).write_text("".join(row + "\n" for row in rows), encoding="utf-8")
    return len(rows)


def group_by_article(labels: Iterable[Label]) -> dict[str, list[Label]]:
    grouped: dict[str, list[Label]] = {}
    for label in labels:
        grouped.setdefault(label.article_id, []).append(label)
    return grouped
