"""Every command is documented in the README's table and in docs/."""

from pathlib import Path

from unspin.cli.main import app

ROOT = Path(__file__).resolve().parents[2]


def commands() -> dict[str, object]:
    import typer.main

    group = typer.main.get_command(app)
    return dict(group.commands)  # type: ignore[attr-defined]


def test_every_command_is_in_the_readme_and_docs():
    readme = (ROOT / "README.md").read_text()
    docs = "\n".join(p.read_text() for p in (ROOT / "docs").glob("*.md"))
    found = {name: c for name, c in commands().items() if not getattr(c, "hidden", False)}
    assert {"analyze", "predict", "evaluate", "model", "check", "techniques", "serve"} <= set(found)
    for name, command in found.items():
        assert f"unspin {name}" in readme, f"README lacks `unspin {name}`"
        assert f"unspin {name}" in docs, f"docs/ lack `unspin {name}`"
        for sub in getattr(command, "commands", {}):
            assert f"unspin {name} {sub}" in docs, f"docs/ lack `unspin {name} {sub}`"


def _all_commands(group: object, path: str = "unspin") -> list[tuple[str, object]]:
    found = [(path, group)]
    for name, sub in getattr(group, "commands", {}).items():
        found += _all_commands(sub, f"{path} {name}")
    return found


def test_option_help_has_no_square_brackets():
    """Rich reads `[...]` in a help text as markup and drops it: `[default: 8000]` vanished
    from `serve --help`. Defaults are written `(default: X)`."""
    import typer.main

    bad = [f"{path} {param.name}: {param.help}"
           for path, command in _all_commands(typer.main.get_command(app))
           for param in getattr(command, "params", [])
           if "[" in (getattr(param, "help", None) or "")]
    assert bad == []


def test_python_dash_m_unspin_is_the_command():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "unspin", "--help"], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "Usage: unspin" in done.stdout and "analyze" in done.stdout
