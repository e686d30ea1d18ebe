"""Tiny PTC-format articles written for the tests, with hand-checked offsets."""

from __future__ import annotations

from pathlib import Path

# id -> (text, [(technique, start, end, expected span text)])
ARTICLES: dict[str, tuple[str, list[tuple[str, int, int, str]]]] = {
    "1": (
        "Traitors Sell Out the Nation\n\nThe corrupt elites have betrayed us.\n"
        "Real patriots will never forget this.\n",
        [
            ("Name_Calling,Labeling", 0, 8, "Traitors"),
            ("Loaded_Language", 34, 41, "corrupt"),
            ("Name_Calling,Labeling", 34, 48, "corrupt elites"),
            ("Flag-Waving", 67, 80, "Real patriots"),
        ],
    ),
    "2": (
        "A Quiet Day\n\nThe council met on Tuesday.\nIt approved the budget.\n",
        [],
    ),
    "3": (
        "Build the wall! 🧱 Build the wall!\r\n\r\nIs this naïve plan really doomed?\r\n",
        [
            ("Slogans", 0, 14, "Build the wall"),
            ("Repetition", 18, 32, "Build the wall"),
            ("Doubt", 37, 69, "Is this naïve plan really doomed"),
            ("Exaggeration,Minimisation", 63, 69, "doomed"),
        ],
    ),
}


def write_ptc(root: Path) -> Path:
    """Write the articles and their TC and SI label folders under `root`."""
    arts, tc, si = root / "train-articles", root / "train-labels-task-flc-tc", root / "train-labels-task-si"
    for folder in (arts, tc, si):
        folder.mkdir(parents=True, exist_ok=True)
    for ident, (text, spans) in ARTICLES.items():
        (arts / f"article{ident}.txt").write_bytes(text.encode("utf-8"))
        (tc / f"article{ident}.task-flc-tc.labels").write_text(
            "".join(f"{ident}\t{t}\t{s}\t{e}\n" for t, s, e, _ in spans)
        )
        (si / f"article{ident}.task-si.labels").write_text(
            "".join(f"{ident}\t{s}\t{e}\n" for _, s, e, _ in spans)
        )
    return root


# An extra folder in ct24-en's layout: id -> (text, labels, ignore spans), each as
# (technique, start, end, expected span text); the ignore spans name techniques PTC lacks.
EXTRA: dict[str, tuple[str, list[tuple[str, int, int, str]], list[tuple[str, int, int, str]]]] = {
    "901": (
        "Radical Mob Storms Town Hall\n\nThe radical mob shouted again.\nCritics say the mayor is a liar.\n",
        [
            ("Loaded_Language", 0, 7, "Radical"),
            ("Name_Calling,Labeling", 34, 45, "radical mob"),
            ("Name_Calling,Labeling", 88, 92, "liar"),
        ],
        [("Questioning_the_Reputation", 61, 92, "Critics say the mayor is a liar")],
    ),
    "902": ("Quiet News\n\nNothing happened today.\n", [], []),
}


def write_extra(root: Path, *, ignore: bool = True) -> Path:
    """Write `EXTRA` under `root` as articles/, labels-flc-tc.tsv and ignore-spans.tsv."""
    (root / "articles").mkdir(parents=True, exist_ok=True)
    labels, spans = [], []
    for ident, (text, labelled, ignored) in EXTRA.items():
        (root / "articles" / f"article{ident}.txt").write_bytes(text.encode("utf-8"))
        labels += [f"{ident}\t{t}\t{s}\t{e}\n" for t, s, e, _ in labelled]
        spans += [f"{ident}\t{t}\t{s}\t{e}\n" for t, s, e, _ in ignored]
    (root / "labels-flc-tc.tsv").write_text("".join(labels))
    if ignore:
        (root / "ignore-spans.tsv").write_text("".join(spans))
    return root


def tiny_args(ptc_dir: Path, out: Path, **kw):
    """Training arguments for a tiny random encoder on the fixture articles, and its tokenizer."""
    from unspin.testing.tiny import TINY_ENCODER, tiny_tokenizer
    from unspin.training.args import TrainingArguments

    settings = dict(
        data=str(ptc_dir),
        out=str(out),
        base=None,
        epochs=2,
        batch_size=2,
        max_len=32,
        stride=16,
        encoder_config=dict(TINY_ENCODER, vocab_size=400),
        tuning_ids=["3"],
        bf16=False,
    )
    return TrainingArguments(**{**settings, **kw}), tiny_tokenizer([a[0] for a in ARTICLES.values()] * 3)
