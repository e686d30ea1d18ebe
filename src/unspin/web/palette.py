"""The stylesheet of the techniques' colours, from the taxonomy (the single source of colours)."""

from __future__ import annotations

from unspin import taxonomy
from unspin.web import context as ctx


def technique_css() -> str:
    """One class per technique, from the taxonomy (the single source of colours): a light
    fill, an underline in the technique's colour whose style follows its group (solid, dashed,
    dotted: a cue that does not rely on colour), and its tag's colours."""
    rules = [_rule(i, t.color, ctx.GROUP_OF[t.name][1]) for i, t in enumerate(taxonomy.TECHNIQUES)]
    # techniques outside PTC's 14 (an adapted model's, a reviewer's): one class per fallback colour
    rules += [_rule(len(taxonomy.TECHNIQUES) + k, c, "solid") for k, c in enumerate(taxonomy.FALLBACK_COLORS)]
    return "\n".join(rules) + "\n"


def _rule(i: int, color: str, line: str) -> str:
    ink = "#000" if _luminance(color) > 0.179 else "#fff"  # whichever contrasts more
    return (f".t{i}{{--c:{color};--ink:{ink};background-color:{color}40;border-bottom:3px {line} {color}}}"
            f".sw{i}{{background-color:{color}}}.bar{i}{{fill:{color}}}"
            f".tg{i},.t{i}[data-tag]::before{{background-color:{color};color:{ink}}}")


def _luminance(color: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(color[k:k + 2], 16) for k in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
