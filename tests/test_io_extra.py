"""Extra training folders (`train --extra`): ct24-en's layout and PTC's, and their errors."""

import pytest

from fixtures_ptc import ARTICLES, EXTRA, write_extra
from unspin.errors import InputError
from unspin.io import ptc
from unspin.io.extra import read_extra


def test_a_ct24_style_folder_with_ignore_spans(tmp_path):
    corpus = read_extra(write_extra(tmp_path / "ct24"))
    texts = {d.id: d.text for d in corpus.docs}
    assert texts == {ident: text for ident, (text, _, _) in EXTRA.items()}
    got = {
        (lab.technique, lab.start, lab.end, texts[ident][lab.start : lab.end])
        for ident, rows in corpus.labels.items()
        for lab in rows
    }
    assert got == set(EXTRA["901"][1]) and set(corpus.labels) == {"901"}
    assert corpus.ignore == {"901": [(61, 92)]}
    assert texts["901"][61:92] == "Critics say the mayor is a liar"


def test_the_ignore_file_is_optional(tmp_path):
    corpus = read_extra(write_extra(tmp_path / "ct24", ignore=False))
    assert corpus.ignore == {} and len(corpus.labels["901"]) == 3


def test_a_ptc_folder_is_an_extra_folder_without_ignore_spans(ptc_dir):
    corpus = read_extra(ptc_dir)
    assert sorted(d.id for d in corpus.docs) == sorted(ARTICLES)
    assert corpus.labels == ptc.group_by_article(ptc.read_labels(ptc_dir / "train-labels-task-flc-tc"))
    assert corpus.ignore == {}


def test_a_folder_of_neither_layout(tmp_path):
    (tmp_path / "articles").mkdir()
    with pytest.raises(InputError, match="not an extra training folder"):
        read_extra(tmp_path)


@pytest.mark.parametrize(
    ("file", "row", "message"),
    [
        ("labels-flc-tc.tsv", "999\tDoubt\t0\t4", "names article 999"),
        ("labels-flc-tc.tsv", "901\tQuestioning_the_Reputation\t0\t4", "Unknown technique"),
        ("labels-flc-tc.tsv", "902\tDoubt\t0\t37", "only 36 characters"),
        ("labels-flc-tc.tsv", "902\t0\t4", "no technique"),
        ("ignore-spans.tsv", "903\tAppeal_to_Time\t0\t4", "names article 903"),
        ("ignore-spans.tsv", "902\tAppeal_to_Time\t30\t40", "only 36 characters"),
        ("ignore-spans.tsv", "902\tAppeal_to_Time\t4", "expected `id<TAB>technique"),
        ("ignore-spans.tsv", "902\tAppeal_to_Time\t9\t4", "bad offsets 9..4"),
    ],
)
def test_bad_rows_are_input_errors(tmp_path, file, row, message):
    root = write_extra(tmp_path / "ct24")
    with open(root / file, "a") as handle:
        handle.write(row + "\n")
    with pytest.raises(InputError, match=message):
        read_extra(root)


def test_evaluation_sets(tmp_path, ptc_dir):
    from unspin.tuning.splits import evaluation_set

    ct24 = evaluation_set(write_extra(tmp_path / "ct24"), "all")
    assert ct24.ignore == {"901": [(61, 92)]} and len(ct24.docs) == 2
    with pytest.raises(InputError, match="split 'all'"):
        evaluation_set(tmp_path / "ct24", "report")
    everything = evaluation_set(ptc_dir, "all")
    assert {d.id for d in everything.docs} == set(ARTICLES) and everything.ignore == {}
    assert evaluation_set(ptc_dir, "report").docs == []  # the fixture's ids are in no fixed split
