"""The 14 techniques of the Propaganda Techniques Corpus, named in one place."""

from __future__ import annotations

import re
from dataclasses import dataclass

from unspin.errors import UnknownTechniqueError


@dataclass(frozen=True, slots=True)
class Technique:
    """One propaganda technique: its PTC name and how we explain it to people."""

    name: str
    display: str
    definition: str
    example: str
    color: str


TECHNIQUES: tuple[Technique, ...] = (
    Technique(
        "Appeal_to_Authority",
        "Appeal to authority",
        "Claims something is true because an expert, leader or institution said so, without other evidence.",
        "The world's top scientists agree, so the matter is settled.",
        "#117733",
    ),
    Technique(
        "Appeal_to_fear-prejudice",
        "Appeal to fear or prejudice",
        "Builds support for an idea by stirring up fear of an alternative or prejudice against a group.",
        "If we let them in, our streets will never be safe again.",
        "#aa4499",
    ),
    Technique(
        "Bandwagon,Reductio_ad_hitlerum",
        "Bandwagon / Reductio ad Hitlerum",
        "Urges joining in because everyone else does, or rejects an idea because a hated group supports it.",
        "Everybody is switching; the Nazis liked that idea too.",
        "#88ccee",
    ),
    Technique(
        "Black-and-White_Fallacy",
        "Black-and-white fallacy",
        "Presents two options as the only possibilities when more exist.",
        "You are either with us or against us.",
        "#332288",
    ),
    Technique(
        "Causal_Oversimplification",
        "Causal oversimplification",
        "Gives one cause for an outcome that has many causes.",
        "Crime went up because of the new mayor.",
        "#009e73",
    ),
    Technique(
        "Doubt",
        "Doubt",
        "Questions the credibility of someone or something without evidence.",
        "Can we really trust anything this agency says?",
        "#ddcc77",
    ),
    Technique(
        "Exaggeration,Minimisation",
        "Exaggeration / minimisation",
        "Makes something look much bigger or much smaller than it is.",
        "The worst disaster in the history of mankind.",
        "#999933",
    ),
    Technique(
        "Flag-Waving",
        "Flag-waving",
        "Appeals to patriotism or group identity to justify an idea.",
        "Real Americans stand by our troops.",
        "#e69f00",
    ),
    Technique(
        "Loaded_Language",
        "Loaded language",
        "Uses words with strong emotional charge to sway the reader.",
        "A shameful, disgusting betrayal.",
        "#cc6677",
    ),
    Technique(
        "Name_Calling,Labeling",
        "Name calling / labeling",
        "Attaches a label to a person or group that the audience fears, hates or admires.",
        "The radical left mob.",
        "#0072b2",
    ),
    Technique(
        "Repetition",
        "Repetition",
        "Repeats the same message again and again so the audience accepts it.",
        "Build the wall! Build the wall!",
        "#882255",
    ),
    Technique(
        "Slogans",
        "Slogans",
        "A short, striking phrase that may include labeling and stereotyping.",
        "Make the country great again.",
        "#56b4e9",
    ),
    Technique(
        "Thought-terminating_Cliches",
        "Thought-terminating cliché",
        "A stock phrase that discourages critical thought and ends the discussion.",
        "It is what it is.",
        "#f0e442",
    ),
    Technique(
        "Whataboutism,Straw_Men,Red_Herring",
        "Whataboutism / straw man / red herring",
        "Deflects from the point: accuses the other side of hypocrisy, distorts their "
        "position, or brings in an irrelevant topic.",
        "But what about the other party's scandals?",
        "#d55e00",
    ),
)

NAMES: tuple[str, ...] = tuple(t.name for t in TECHNIQUES)
INDEX: dict[str, int] = {name: i for i, name in enumerate(NAMES)}
BY_NAME: dict[str, Technique] = {t.name: t for t in TECHNIQUES}


def _key(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.lower())


_ALIASES: dict[str, str] = {}
for _t in TECHNIQUES:
    _ALIASES[_key(_t.name)] = _t.name
    _ALIASES[_key(_t.display)] = _t.name
    for _part in _t.name.split(","):
        _ALIASES.setdefault(_key(_part), _t.name)


def normalize(name: str) -> str:
    """Return the PTC name for a technique written in any common spelling.

    >>> normalize("loaded language")
    'Loaded_Language'
    """
    found = _ALIASES.get(_key(name))
    if found is None:
        raise UnknownTechniqueError(
            f"Unknown technique {name!r}: expected one of the 14 PTC names, "
            f"e.g. {', '.join(NAMES[:3])} (see `unspin techniques`)."
        )
    return found


def get(name: str) -> Technique:
    """The `Technique` for a name in any spelling `normalize` accepts."""
    return BY_NAME[normalize(name)]


def top(counts: dict[str, int], n: int = 3) -> list[dict[str, object]]:
    """The `n` techniques with most spans in `counts`, as name, display name and count."""
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], INDEX[kv[0]]))[:n]
    return [{"name": k, "display": BY_NAME[k].display, "count": v} for k, v in ranked]
