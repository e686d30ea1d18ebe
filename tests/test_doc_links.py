"""Every relative link in the repository's Markdown points at a file or folder that exists,
and no doc presents an ignored run folder as something to run."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def markdown_files() -> list[Path]:
    out = subprocess.run(["git", "-C", str(ROOT), "ls-files", "--cached", "--others", "--exclude-standard",
                          "*.md"], capture_output=True, text=True, check=True).stdout
    return [ROOT / p for p in out.split() if (ROOT / p).is_file()]


def broken_links(path: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)  # code blocks
    bad = []
    for target in LINK.findall(text):
        if target.startswith(("http://", "https://", "mailto:", "#")):
            continue
        file = target.split("#", 1)[0]
        if file and not (path.parent / file).exists():
            bad.append(f"{path.relative_to(ROOT)}: {target}")
    return bad


def test_markdown_files_are_found():
    names = {p.relative_to(ROOT).as_posix() for p in markdown_files()}
    assert {"README.md", "docs/model.md", "ARCHITECTURE.md", "docs/glossary.md", "CHANGELOG.md"} <= names


def test_no_doc_links_to_a_missing_file():
    bad = [b for path in markdown_files() for b in broken_links(path)]
    assert not bad, bad


def test_the_link_check_sees_a_broken_link(tmp_path):
    doc = tmp_path / "a.md"
    (tmp_path / "there.md").write_text("x")
    doc.write_text("[ok](there.md) [anchor](there.md#x) [web](https://example.org) ![img](gone.png)\n"
                   "```\n[in code](nowhere.md)\n```\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert broken_links(doc) == ["a.md: gone.png"]
    finally:
        ROOT = saved


def test_user_docs_do_not_name_ignored_run_scripts():
    """The experiment record (docs/notebook/) may quote them, saying they were ignored run
    folders; the docs a user or maintainer follows may not."""
    docs = [ROOT / "README.md", ROOT / "ARCHITECTURE.md", ROOT / "src/unspin/resources/README.md",
            ROOT / "benchmarks/README.md", *(ROOT / "docs").glob("*.md")]
    bad = [f"{d.relative_to(ROOT)}: {m}" for d in docs
           for m in re.findall(r"runs/v\d+/\S+|runs/teacher-\S+", d.read_text(encoding="utf-8"))]
    assert not bad, bad
