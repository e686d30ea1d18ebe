"""`unspin convert`: span annotations between PTC, Label Studio JSON and doccano JSONL."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path

import typer

from unspin.cli.common import use_techniques_of, user_errors
from unspin.cli.main import app


class AnnotationFormat(StrEnum):
    ptc = "ptc"
    label_studio = "label-studio"
    doccano = "doccano"


@app.command()
def convert(
    source: Path = typer.Argument(..., help="A PTC folder, a Label Studio .json or a doccano .jsonl."),
    out: Path = typer.Argument(..., help="The file (or, for ptc, the folder) to write."),
    to: AnnotationFormat = typer.Option(..., "--to", help="ptc, label-studio or doccano."),
    from_: AnnotationFormat = typer.Option(None, "--from",
                                           help="The input's format (default: from its name)."),
    model: str = typer.Option(None, "--model", "-m", help="Accept this (adapted) model's technique names."),
) -> None:
    """Convert span annotations between formats, offsets unchanged. Spans that cannot be placed
    exactly and records skipped are listed on stderr ("skipped ..."), and so are ids renamed to
    keep them unique and the annotation used of several ("note: ...")."""
    from unspin.io.annotations import label_studio_config, read_annotations, write_annotations

    with user_errors():
        use_techniques_of(model)
        found = read_annotations(source, from_.value if from_ else None, keep_partial=True)
        if to is not AnnotationFormat.ptc:
            out.parent.mkdir(parents=True, exist_ok=True)
        written = write_annotations(found.docs, found.labels, out, to.value)
        if to is AnnotationFormat.label_studio:
            out.with_name("label-studio-config.xml").write_text(label_studio_config(), encoding="utf-8")
    for why in found.skipped:
        print(f"skipped {why}", file=sys.stderr)
    for note in found.notes:
        print(f"note: {note}", file=sys.stderr)
    spans = sum(len(v) for v in found.labels.values())
    print(json.dumps({"documents": written, "spans": spans, "skipped": len(found.skipped),
                      "renamed": len(found.renamed), "out": str(out)}))
