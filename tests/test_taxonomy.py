from pathlib import Path

import pytest

from unspin import taxonomy

PTC_TECHNIQUES = Path(__file__).resolve().parents[2] / "shared" / "data" / "ptc" / "techniques.txt"


def test_fourteen_techniques_with_explanations():
    assert len(taxonomy.TECHNIQUES) == 14
    for t in taxonomy.TECHNIQUES:
        assert t.definition and t.example and t.color.startswith("#")


@pytest.mark.skipif(not PTC_TECHNIQUES.exists(), reason="the PTC folder is not beside the repository")
def test_names_match_the_corpus_exactly():
    assert list(taxonomy.NAMES) == PTC_TECHNIQUES.read_text().split()


@pytest.mark.parametrize("spelling", ["Loaded_Language", "loaded language", "LOADED-LANGUAGE"])
def test_normalize_spellings(spelling):
    assert taxonomy.normalize(spelling) == "Loaded_Language"


def test_normalize_parts_of_combined_names():
    assert taxonomy.normalize("Straw_Men") == "Whataboutism,Straw_Men,Red_Herring"
    assert taxonomy.normalize("name calling") == "Name_Calling,Labeling"


def test_top_shows_a_name_this_process_does_not_know_as_written():
    assert taxonomy.top({"Never_Registered_Here": 3, "Loaded_Language": 1}) == [
        {"name": "Never_Registered_Here", "display": "Never Registered Here", "count": 3},
        {"name": "Loaded_Language", "display": taxonomy.BY_NAME["Loaded_Language"].display, "count": 1}]
