"""Every command is documented in the README's table and in docs/."""

from pathlib import Path

from unspin.cli.main import app

ROOT = Path(__file__).resolve().parents[2]


def command_names() -> set[str]:
    import typer.main

    group = typer.main.get_command(app)
    return set(group.commands)  # type: ignore[attr-defined]


def test_every_command_is_in_the_readme_and_docs():
    readme = (ROOT / "README.md").read_text()
    docs = "\n".join(p.read_text() for p in (ROOT / "docs").glob("*.md"))
    names = command_names()
    assert {"analyze", "predict", "evaluate", "train", "tune", "check", "techniques", "serve"} <= names
    for name in names:
        assert f"unspin {name}" in readme, f"README lacks `unspin {name}`"
        assert f"unspin {name}" in docs, f"docs/ lack `unspin {name}`"
