"""The `pretty` output: the text with colored, labelled spans, a legend and figures.

Every piece of the analyzed text, its title and the model's name reach the terminal through
`terminal_safe`: control characters (ESC, C1 controls, CR, form feed, DEL, ...) are shown as
U+FFFD, so no escape sequence in a text (OSC 52 clipboard writes, OSC 0 window titles, clear
screen, cursor moves) can act on the terminal.
"""

from __future__ import annotations

import re

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from unspin import taxonomy
from unspin.doc import Analysis
from unspin.ingest.normalize import NOTE_KEY, note_text
from unspin.render import cut

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # all C0 but tab and newline, DEL, all C1


def terminal_safe(text: str) -> str:
    """`text` with every control character but tab and newline replaced by U+FFFD (one for one)."""
    return _CONTROL.sub("\ufffd", text)


def analysis_text(analysis: Analysis) -> Text:
    """Rich text: each segment colored by its innermost span, a label after each span."""
    out = Text()
    ends: dict[int, list[str]] = {}
    for span in analysis.spans:
        ends.setdefault(span.end, []).append(span.technique)
    spans = analysis.spans
    for start, end, covering in cut(len(analysis.text), [(s.start, s.end) for s in spans]):
        piece = terminal_safe(analysis.text[start:end])
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
    title = terminal_safe(str(analysis.doc.id or analysis.doc.meta.get("title") or "input"))
    console.rule(f"[bold]{escape(title)}[/] — model {escape(terminal_safe(analysis.model))}")
    console.print(analysis_text(analysis))
    table = Table(title="Techniques found", show_lines=False)
    table.add_column("technique")
    table.add_column("spans", justify="right")
    table.add_column("example cue")
    for name, count in figures["counts"].items():
        t = taxonomy.get(name)
        cue = next((s for s in analysis.spans if s.technique == name), None)
        words = terminal_safe(", ".join(analysis.text[c.start : c.end] for c in cue.why)) if cue else ""
        table.add_row(Text(t.display, style=t.color), str(count), Text(words))
    if figures["counts"]:
        console.print(table)
    note = note_text(analysis.doc.meta.get(NOTE_KEY))
    if note:
        console.print(f"[dim]note: {escape(terminal_safe(note))}[/]", markup=True)
    console.print(
        f"density {figures['density']:.1%} of characters · {figures['spans_per_1k_words']} spans per "
        f"1,000 words · {figures['spans']} spans · {figures['words']} words"
    )
