"""The stylesheet of the techniques' colours, from the taxonomy (the single source of colours)."""

from __future__ import annotations

from unspin import taxonomy
from unspin.web import context as ctx


def technique_css() -> str:
    """One class per technique, from the taxonomy (the single source of colours): a light
    fill, an underline in the technique's colour whose style follows its group (solid, dashed,
    dotted: a cue that does not rely on colour), and its tag's colours."""
    rules = []
    for i, t in enumerate(taxonomy.TECHNIQUES):
        line = ctx.GROUP_OF[t.name][1]
        ink = "#000" if _luminance(t.color) > 0.179 else "#fff"  # whichever contrasts more
        rules.append(f".t{i}{{--c:{t.color};--ink:{ink};background-color:{t.color}40;"
                     f"border-bottom:3px {line} {t.color}}}"
                     f".sw{i}{{background-color:{t.color}}}.bar{i}{{fill:{t.color}}}"
                     f".tg{i},.t{i}[data-tag]::before{{background-color:{t.color};color:{ink}}}")
    return "\n".join(rules) + "\n"


def _luminance(color: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(color[k:k + 2], 16) for k in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
