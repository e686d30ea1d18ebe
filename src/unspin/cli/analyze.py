"""`unspin analyze`: files, stdin, text or HTML in; pretty, JSON or PTC rows out."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path

import typer

from unspin.cli.common import user_errors
from unspin.cli.main import app
from unspin.io.ptc import ARTICLE_NAME


class OutputFormat(StrEnum):
    pretty = "pretty"
    json = "json"
    si = "si"
    tc = "tc"
    label_studio = "label-studio"


@app.command()
def analyze(
    files: list[str] = typer.Argument(None, help="Text or HTML files; '-' or nothing reads stdin."),
    format: OutputFormat = typer.Option(OutputFormat.pretty, "--format", "-f", help="Output format."),
    threshold: float = typer.Option(
        None,
        "--threshold",
        "-t",
        min=0.0,
        max=1.0,
        help="The least span score shown: scores are calibrated probabilities that annotators "
        "mark the technique there (default: the model's min_score; lower shows more spans).",
    ),
    model: str = typer.Option(
        None, "--model", "-m", envvar="UNSPIN_MODEL", help="accurate (default), fast, or a model folder."
    ),
) -> None:
    """Find, name and explain propaganda techniques in articles.

    JSON output is one object per input per line: {"id", "model", "text", "figures",
    "spans": [{"start", "end", "text", "technique", "score", "why": [...]}]}; offsets
    are character offsets into "text" (for HTML input, the extracted article text).
    CRLF/CR line endings become LF before analysis; "normalized" then says how many.
    label-studio writes one JSON list of Label Studio tasks, the spans as predictions to
    review (each with its score; each task's score is its least sure span's). si and tc
    refuse an id (file name) holding a tab or line break.
    """
    import unspin
    from unspin.ingest import text as ingest

    with user_errors():
        names = files or ["-"]
        docs = []
        for name in names:
            if name == "-":
                doc = ingest.from_bytes(ingest.read_limited(sys.stdin.buffer, source="stdin"), source="stdin")
            else:
                doc = ingest.read_input(name)
            match = ARTICLE_NAME.match(Path(name).name)
            ident = match["id"] if match else Path(name).stem  # PTC article<ID>.txt -> ID
            docs.append(type(doc)(doc.text, id="stdin" if name == "-" else ident, meta=doc.meta))
        if format in (OutputFormat.si, OutputFormat.tc):
            from unspin.io.ptc import check_field

            for doc in docs:
                check_field(str(doc.id), "The id (file name)")
        analyzer = unspin.load(model)
        analyses = analyzer.pipe(docs, threshold=threshold)
        if format is OutputFormat.label_studio:
            from unspin.io.label_studio import prediction_tasks

            print(json.dumps(prediction_tasks(analyses), ensure_ascii=False, indent=1))
            return
        for analysis in analyses:
            _emit(analysis, format)


def _emit(analysis, format: OutputFormat) -> None:
    if format is OutputFormat.json:
        print(json.dumps(analysis.to_dict(), ensure_ascii=False))
    elif format in (OutputFormat.si, OutputFormat.tc):
        for span in analysis.spans:
            if format is OutputFormat.si:
                print(f"{analysis.doc.id}\t{span.start}\t{span.end}")
            else:
                print(f"{analysis.doc.id}\t{span.technique}\t{span.start}\t{span.end}")
    else:
        from unspin.cli.pretty import print_analysis

        print_analysis(analysis)
