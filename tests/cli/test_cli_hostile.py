"""`unspin analyze` and `unspin serve` on hostile input: one-line errors (exit 2), bounded
reads, line endings converted and said so, no cross-document extraction state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from unspin.cli.main import app

runner = CliRunner()


@pytest.fixture
def model_env(tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("UNSPIN_MODEL", str(tiny_model_dir))
    return tiny_model_dir


def one_line_error(result: Any, fragment: str) -> None:
    assert result.exit_code == 2, result.output
    assert fragment in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("data", [b"\xff\xfeA\x00B", b"\xff\xfe\x00\xd8A\x00"])
def test_malformed_utf16_file(model_env: Path, tmp_path: Path, data: bytes) -> None:
    f = tmp_path / "u16.txt"
    f.write_bytes(data)
    one_line_error(runner.invoke(app, ["analyze", str(f)]), "not valid UTF-16")


def test_dev_zero_and_endless_stdin_stop_at_the_limit(model_env: Path) -> None:
    one_line_error(runner.invoke(app, ["analyze", "/dev/zero"]), "larger than the limit")
    result = runner.invoke(app, ["analyze", "-"], input=b"a" * (5 * 1024 * 1024 + 10))
    one_line_error(result, "stdin is larger than the limit")


def test_crlf_file_is_normalized_and_says_so(model_env: Path, tmp_path: Path) -> None:
    f = tmp_path / "crlf.txt"
    f.write_bytes(b"They are traitors and liars.\r\nAll of them!\rEvery one.")
    result = runner.invoke(app, ["analyze", str(f), "-f", "json", "-t", "0"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["text"] == "They are traitors and liars.\nAll of them!\nEvery one."
    assert doc["normalized"] == {"line_endings": 2}
    assert doc["spans"], "threshold 0 should give spans to check"
    for span in doc["spans"]:
        assert doc["text"][span["start"]:span["end"]] == span["text"]
    pretty = runner.invoke(app, ["analyze", str(f)])
    assert "converted to LF" in pretty.stdout


def test_files_sharing_a_paragraph_each_keep_it(model_env: Path, tmp_path: Path) -> None:
    shared = ("The minister said the reform would protect every family in the country from the crisis, "
              "and that the cost of the programme would be met without new taxes on working people.")
    names = []
    for i in range(5):
        f = tmp_path / f"p{i}.html"
        f.write_text(f"<html><body><article><h1>Story</h1><p>{shared}</p><p>Officials declined to comment "
                     "on the plan, the spokesman said.</p></article></body></html>", encoding="utf-8")
        names.append(str(f))
    result = runner.invoke(app, ["analyze", *names, "-f", "json"])
    assert result.exit_code == 0, result.output
    docs = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(docs) == 5 and all(shared in d["text"] for d in docs)


def test_serve_options(tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from unspin.web import server

    seen: dict[str, Any] = {}
    monkeypatch.setattr(server, "run", lambda web_app, settings, **kw: seen.update(s=settings, **kw))
    result = runner.invoke(app, ["serve", "--memory", "--model", str(tiny_model_dir), "--allowed-host",
                                 "news.example.org", "--allowed-host", "other.example", "--processes", "3"])
    assert result.exit_code == 0, result.output
    assert seen["s"].allowed_hosts == ("news.example.org", "other.example") and seen["processes"] == 1
    db = tmp_path / "missing" / "web.db"
    model = str(tiny_model_dir)
    result = runner.invoke(app, ["serve", "--db", str(db), "--model", model, "--processes", "1"])
    one_line_error(result, "does not exist")
    result = runner.invoke(app, ["serve", "--db", str(db), "--model", str(tiny_model_dir), "--processes", "2",
                                 "--create"])
    assert result.exit_code == 0, result.output
    assert seen["processes"] == 2 and db.exists()


def test_tune_weight_options_say_what_is_wrong(tiny_model_dir: Path, ptc_dir: Path) -> None:
    base = ["model", "tune", "--data", str(ptc_dir), "--model", str(tiny_model_dir)]
    one_line_error(runner.invoke(app, [*base, "--technique-weights", "0.5"]), "needs --weights")
    one_line_error(runner.invoke(app, [*base, "--weights", "a,b"]), "--weights: expected numbers")
    one_line_error(
        runner.invoke(app, [*base, "--weights", "0.5", "--technique-weights", "x"]),
        "--technique-weights: expected numbers",
    )


def test_pretty_output_strips_terminal_escapes(model_env: Path, tmp_path: Path) -> None:
    f = tmp_path / "esc.txt"
    hostile = ("They are traitors \x1b]52;c;ZXZpbCBjb21tYW5k\x07 and liars, \x1b]0;pwned\x1b\\ all of them! "
               "\x1b[2J\x1b[H Every one \x9b31m of them \x0c is a traitor \x7f.")
    f.write_text(hostile, encoding="utf-8")
    for threshold in ("0", "1"):  # every span shown, and none (the text in one piece)
        result = runner.invoke(app, ["analyze", str(f), "-t", threshold])
        assert result.exit_code == 0, result.output
        out = result.stdout
        for bad in ("\x1b", "\x07", "\x9b", "\x0c", "\x7f"):
            assert bad not in out, repr(bad)
        assert out.count("\ufffd") >= 8  # each control character shown inert, not dropped
    assert "They are traitors \ufffd]52;c;ZXZpbCBjb21tYW5k\ufffd and liars" in out


def test_terminal_safe_keeps_offsets() -> None:
    from unspin.cli.pretty import terminal_safe

    assert terminal_safe("a\x1b[2Jb\tc\nd\r\x85") == "a\ufffd[2Jb\tc\nd\ufffd\ufffd"
