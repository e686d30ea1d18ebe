"""PTC articles and label files: exact offsets and round trips."""

import pytest

from unspin.errors import FormatError, InputError
from unspin.io import ptc


def test_articles_keep_crlf_and_unicode(ptc_dir, articles):
    docs = {d.id: d for d in ptc.read_articles(ptc_dir / "train-articles")}
    assert set(docs) == set(articles)
    for ident, (text, spans) in articles.items():
        assert docs[ident].text == text
        for _, start, end, expected in spans:
            assert docs[ident].text[start:end] == expected


def test_label_round_trip(ptc_dir, tmp_path):
    for folder in ("train-labels-task-flc-tc", "train-labels-task-si"):
        labels = ptc.read_labels(ptc_dir / folder)
        out = tmp_path / f"{folder}.labels"
        ptc.write_labels(labels, out)
        assert ptc.read_labels(out) == labels
        original = "".join(p.read_text() for p in sorted((ptc_dir / folder).glob("*.labels")))
        assert out.read_text() == original


def test_tc_template_rows_keep_question_mark(tmp_path):
    f = tmp_path / "t.labels"
    f.write_text("7\t?\t0\t4\n")
    assert ptc.read_labels(f) == [ptc.Label("7", 0, 4, "?")]


@pytest.mark.parametrize("row", ["1\tDoubt\tx\t4", "1\t2", "1\tNope\t0\t4", "1\t5\t2"])
def test_bad_rows_name_file_and_line(tmp_path, row):
    f = tmp_path / "bad.labels"
    f.write_text("1\t0\t1\n" + row + "\n")
    with pytest.raises(FormatError, match=r"bad\.labels:2"):
        ptc.read_labels(f)


def test_missing_inputs(tmp_path):
    with pytest.raises(InputError):
        ptc.read_labels(tmp_path / "nope")
    with pytest.raises(InputError):
        ptc.read_articles(tmp_path)


@pytest.mark.parametrize("ident", ["a\tb", "a\nb", "a\r", "a\u2028b", "a\x85b", ""])
def test_label_writers_refuse_ids_that_break_rows(tmp_path, ident):
    with pytest.raises(FormatError, match="tab-separated label row"):
        ptc.write_labels([ptc.Label("1", 0, 2, "Doubt"), ptc.Label(ident, 0, 2, "Doubt")],
                         tmp_path / "x.labels")
    assert not (tmp_path / "x.labels").exists()  # no row written
    with pytest.raises(FormatError):
        ptc.format_label(ptc.Label(ident, 0, 2))  # SI rows too
    assert ptc.format_label(ptc.Label("a b", 0, 2)) == "a b\t0\t2"  # a space is kept: rows split on tabs
