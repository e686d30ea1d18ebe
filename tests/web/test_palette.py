"""The technique colours survive colour blindness: simulated protanopia, deuteranopia and
tritanopia (Machado, Oliveira & Fernandes 2009, severity 1) keep every two techniques that
share an underline style (the non-colour cue) clearly apart, and every technique also has a
tag of its own."""

from __future__ import annotations

import itertools

from unspin import taxonomy
from unspin.web.context import GROUP_OF, GROUPS, TAGS
from unspin.web.palette import technique_css

MACHADO = {
    "normal": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216),
                   (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
                     (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602),
                   (0.004733, 0.691367, 0.303900)),
}
MIN_DELTA_E = 20.0  # CIE76 in CIELAB; about 2.3 is "just noticeable"


def linear(color: str) -> tuple[float, ...]:
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return tuple(channel(int(color[i:i + 2], 16)) for i in (1, 3, 5))


def lab(rgb: tuple[float, ...]) -> tuple[float, float, float]:
    r, g, b = rgb
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def simulate(color: str, kind: str) -> tuple[float, float, float]:
    m = MACHADO[kind]
    rgb = linear(color)
    return lab(tuple(min(1.0, max(0.0, sum(m[i][j] * rgb[j] for j in range(3)))) for i in range(3)))


def delta(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    return sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) ** 0.5


def test_same_style_techniques_differ_under_every_simulation() -> None:
    worst = []
    for style, names in GROUPS.values():
        colors = [taxonomy.BY_NAME[n].color for n in names]
        for kind in MACHADO:
            for (na, ca), (nb, cb) in itertools.combinations(zip(names, colors, strict=True), 2):
                worst.append((delta(simulate(ca, kind), simulate(cb, kind)), kind, style, na, nb))
    assert min(worst)[0] >= MIN_DELTA_E, min(worst)


def test_every_technique_has_a_tag_a_style_and_distinct_colour() -> None:
    assert set(TAGS) == set(GROUP_OF) == set(taxonomy.NAMES)
    assert len(set(TAGS.values())) == 14
    assert len({t.color.lower() for t in taxonomy.TECHNIQUES}) == 14
    css = technique_css()
    for i, t in enumerate(taxonomy.TECHNIQUES):
        assert f".t{i}{{--c:{t.color}" in css and f"3px {GROUP_OF[t.name][1]} {t.color}" in css


def test_tags_are_readable_on_their_colour() -> None:
    css = technique_css()
    for i, t in enumerate(taxonomy.TECHNIQUES):
        r, g, b = linear(t.color)
        lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
        ink = 0.0 if f".t{i}{{--c:{t.color};--ink:#000" in css else 1.0
        contrast = (max(lum, ink) + 0.05) / (min(lum, ink) + 0.05)
        assert contrast >= 4.5, (t.name, t.color, round(contrast, 2))
