"""The 14 techniques of the Propaganda Techniques Corpus, named in one place, and the
techniques of adapted models (`register`): a model folder may carry its own list, whose names
are kept exactly as written (`unspin adapt --taxonomy data`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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


NO_DEFINITION = "No definition was given for this technique."
FALLBACK_COLORS = ("#999933", "#882255", "#44aa99", "#ddcc77", "#661100", "#6699cc", "#aa4466", "#4477aa")
# Techniques of adapted models, by their exact name (see `register`).
_REGISTERED: dict[str, Technique] = {}
_REGISTERED_ALIASES: dict[str, str] = {}
_AS_WRITTEN: ContextVar[bool] = ContextVar("as_written", default=False)


def register(techniques: Iterable[Technique]) -> None:
    """Make an adapted model's techniques known to this process: their exact names (and
    spellings that differ only in case and punctuation) pass `normalize` as they are."""
    for technique in techniques:
        if technique.name in BY_NAME:
            continue
        _REGISTERED[technique.name] = technique
        _REGISTERED_ALIASES.setdefault(_key(technique.name), technique.name)


def custom(name: str, display: str | None = None, definition: str | None = None, index: int = 0) -> Technique:
    """A `Technique` for a name outside PTC's 14: its display name (default: the name with
    spaces for underscores) and definition (default: `NO_DEFINITION`)."""
    return Technique(name, display or name.replace("_", " "), definition or NO_DEFINITION, "",
                     FALLBACK_COLORS[index % len(FALLBACK_COLORS)])


@contextmanager
def as_written() -> Iterator[None]:
    """Within this block `normalize` keeps every name exactly as written (stripped): for
    reading a team's annotations in its own taxonomy."""
    token = _AS_WRITTEN.set(True)
    try:
        yield
    finally:
        _AS_WRITTEN.reset(token)


def normalize(name: str) -> str:
    """Return the PTC name for a technique written in any common spelling (an adapted
    model's registered names stay as they are).

    >>> normalize("loaded language")
    'Loaded_Language'
    """
    if name in BY_NAME or name in _REGISTERED:
        return name
    if _AS_WRITTEN.get():
        if not name.strip():
            raise UnknownTechniqueError("A technique name is empty.")
        return name.strip()
    found = _ALIASES.get(_key(name)) or _REGISTERED_ALIASES.get(_key(name))
    if found is None:
        raise UnknownTechniqueError(
            f"Unknown technique {name!r}: expected one of the 14 PTC names, "
            f"e.g. {', '.join(NAMES[:3])} (see `unspin techniques`), or a technique of a loaded "
            "adapted model."
        )
    return found


def get(name: str) -> Technique:
    """The `Technique` for a name in any spelling `normalize` accepts."""
    found = normalize(name)
    return BY_NAME.get(found) or _REGISTERED.get(found) or custom(found)


def top(counts: dict[str, int], n: int = 3) -> list[dict[str, object]]:
    """The `n` techniques with most spans in `counts`, as name, display name and count."""
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], INDEX.get(kv[0], len(INDEX)), kv[0]))[:n]
    # names as stored: one this process does not know (an adapted model's it has not loaded) shows as written
    return [{"name": k, "display": (BY_NAME.get(k) or _REGISTERED.get(k) or custom(k)).display, "count": v}
            for k, v in ranked]


# Other taxonomies' names for PTC's techniques (SemEval-2021 Task 6 memes, SemEval-2023 Task 3 /
# CheckThat! 2024), beyond spellings `normalize` already folds (case, spaces, punctuation):
# which PTC class a name continues when a model is adapted to it. Names absent here and not a
# PTC spelling start a new class.
CONTINUES: dict[str, str] = {
    # SemEval-2023 / CheckThat! 2024
    "Name_Calling-Labeling": "Name_Calling,Labeling",
    "Exaggeration-Minimisation": "Exaggeration,Minimisation",
    "Appeal_to_Fear-Prejudice": "Appeal_to_fear-prejudice",
    "Flag_Waving": "Flag-Waving",
    "False_Dilemma-No_Choice": "Black-and-White_Fallacy",
    "Conversation_Killer": "Thought-terminating_Cliches",
    "Whataboutism": "Whataboutism,Straw_Men,Red_Herring",
    "Straw_Man": "Whataboutism,Straw_Men,Red_Herring",
    "Red_Herring": "Whataboutism,Straw_Men,Red_Herring",
    "Appeal_to_Popularity": "Bandwagon,Reductio_ad_hitlerum",
    "Guilt_by_Association": "Bandwagon,Reductio_ad_hitlerum",
    # SemEval-2021 Task 6 (memes)
    "Appeal to fear/prejudice": "Appeal_to_fear-prejudice",
    "Black-and-white Fallacy/Dictatorship": "Black-and-White_Fallacy",
    "Exaggeration/Minimisation": "Exaggeration,Minimisation",
    "Misrepresentation of Someone's Position (Straw Man)": "Whataboutism,Straw_Men,Red_Herring",
    "Presenting Irrelevant Data (Red Herring)": "Whataboutism,Straw_Men,Red_Herring",
    "Reductio ad hitlerum": "Bandwagon,Reductio_ad_hitlerum",
    "Bandwagon": "Bandwagon,Reductio_ad_hitlerum",
    "Thought-terminating cliché": "Thought-terminating_Cliches",
    "Name calling/Labeling": "Name_Calling,Labeling",
}
_CONTINUES = {_key(k): v for k, v in CONTINUES.items()}


def continues(name: str) -> str | None:
    """The PTC technique that `name` (another taxonomy's spelling) continues, or None for a
    technique PTC does not have (SemEval-2023's Questioning_the_Reputation, the memes' Smears)."""
    if name in BY_NAME:
        return name
    return _CONTINUES.get(_key(name)) or _ALIASES.get(_key(name))


def renamer(names: list[str]) -> Callable[[str], str | None]:
    """Where another spelling of a technique goes in `names`: the same name, the same name
    folded (case, punctuation), or the one name continuing the same PTC technique; None
    where none (or several) fit."""
    exact = set(names)
    folded = {_key(n): n for n in names}
    by_ptc: dict[str, list[str]] = {}
    for n in names:
        if (ptc_name := continues(n)) is not None:
            by_ptc.setdefault(ptc_name, []).append(n)

    def rename(name: str) -> str | None:
        if name in exact:
            return name
        if _key(name) in folded:
            return folded[_key(name)]
        found = by_ptc.get(continues(name) or "", [])
        return found[0] if len(found) == 1 else None

    return rename
