"""The `pretty` output: the text with colored, labelled spans, a legend and figures."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from unspin import taxonomy
from unspin.doc import Analysis
from unspin.ingest.normalize import NOTE_KEY, note_text
from unspin.render import cut


def analysis_text(analysis: Analysis) -> Text:
    """Rich text: each segment colored by its innermost span, a label after each span."""
    out = Text()
    ends: dict[int, list[str]] = {}
    for span in analysis.spans:
        ends.setdefault(span.end, []).append(span.technique)
    spans = analysis.spans
    for start, end, covering in cut(len(analysis.text), [(s.start, s.end) for s in spans]):
        piece = analysis.text[start:end]
        if covering:
            color = taxonomy.get(spans[covering[0]].technique).color
            out.append(piece, style=f"bold black on {color}")
        else:
            out.append(piece)
        for name in ends.get(end, []):
            t = taxonomy.get(name)
            out.append(f"[{t.display}]", style=f"italic {t.color}")
    return out


def print_analysis(analysis: Analysis, console: Console | None = None) -> None:
    console = console or Console(highlight=False)
    figures = analysis.figures()
    title = analysis.doc.id or analysis.doc.meta.get("title") or "input"
    console.rule(f"[bold]{title}[/] — model {analysis.model}")
    console.print(analysis_text(analysis))
    table = Table(title="Techniques found", show_lines=False)
    table.add_column("technique")
    table.add_column("spans", justify="right")
    table.add_column("example cue")
    for name, count in figures["counts"].items():
        t = taxonomy.get(name)
        cue = next((s for s in analysis.spans if s.technique == name), None)
        words = ", ".join(analysis.text[c.start : c.end] for c in cue.why) if cue else ""
        table.add_row(Text(t.display, style=t.color), str(count), words)
    if figures["counts"]:
        console.print(table)
    note = note_text(analysis.doc.meta.get(NOTE_KEY))
    if note:
        console.print(f"[dim]note: {note}[/]", markup=True)
    console.print(
        f"density {figures['density']:.1%} of characters · {figures['spans_per_1k_words']} spans per "
        f"1,000 words · {figures['spans']} spans · {figures['words']} words"
    )
