"""Cutting text at span boundaries: nothing lost, innermost first."""

from unspin.render import cut


def test_cut_overlapping_and_nested():
    bounds = [(0, 10), (2, 5), (4, 12)]
    segs = cut(15, bounds)
    assert [(a, b) for a, b, _ in segs] == [(0, 2), (2, 4), (4, 5), (5, 10), (10, 12), (12, 15)]
    assert segs[2][2] == [1, 2, 0]  # shortest first
    assert segs[-1][2] == []
    for i, (start, end) in enumerate(bounds):  # every span is exactly the union of its segments
        assert [(a, b) for a, b, c in segs if i in c] == [
            (a, b) for a, b, _ in segs if start <= a and b <= end
        ]


def test_cut_with_custom_order_and_no_spans():
    assert cut(3, []) == [(0, 3, [])]
    segs = cut(5, [(0, 5), (0, 5)], order=lambda i: -i)
    assert segs == [(0, 5, [1, 0])]
