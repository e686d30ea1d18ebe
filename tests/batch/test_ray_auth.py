"""Where the driver's Ray token comes from, in Ray's order, and the one-line refusals (no Ray
started here; test_batch_cluster_auth.py tries them on real clusters)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from unspin.batch.engines import ray_auth
from unspin.batch.engines.ray_auth import GET_TOKEN, DriverAuth, TokenPathError, refusal, token_source


def home_with_token(tmp_path: Path, token: str = "t" * 64) -> Path:
    home = tmp_path / "home"
    (home / ".ray").mkdir(parents=True)
    (home / ".ray" / "auth_token").write_text(token)
    return home


def test_sources_in_rays_order(tmp_path: Path) -> None:
    home = home_with_token(tmp_path)
    named = tmp_path / "named"
    named.write_text("n" * 64)
    assert token_source({"HOME": str(home)}) == str(home / ".ray" / "auth_token")
    by_path = {"HOME": str(home), "RAY_AUTH_TOKEN_PATH": str(named)}
    assert token_source(by_path) == f"RAY_AUTH_TOKEN_PATH ({named})"
    both = {"HOME": str(home), "RAY_AUTH_TOKEN_PATH": str(named), "RAY_AUTH_TOKEN": "e" * 64}
    assert token_source(both) == "RAY_AUTH_TOKEN"
    assert token_source({**both, "RAY_AUTH_TOKEN": " "}) == f"RAY_AUTH_TOKEN_PATH ({named})"  # empty: skipped


def test_no_token_and_unusable_files(tmp_path: Path) -> None:
    (tmp_path / "empty" / ".ray").mkdir(parents=True)
    (tmp_path / "empty" / ".ray" / "auth_token").write_text("")
    assert token_source({"HOME": str(tmp_path)}) is None
    assert token_source({"HOME": str(tmp_path / "empty")}) is None
    with pytest.raises(TokenPathError, match=r"RAY_AUTH_TOKEN_PATH is set to .*missing, which cannot"):
        token_source({"HOME": str(tmp_path), "RAY_AUTH_TOKEN_PATH": str(tmp_path / "missing")})


def test_enable_sets_the_mode_for_this_process_and_restore_removes_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert ray_auth.enable() == DriverAuth(None, None, False)  # no token: Ray left as it is
    assert "RAY_AUTH_MODE" not in os.environ
    monkeypatch.setenv("HOME", str(home_with_token(tmp_path)))
    auth = ray_auth.enable()
    assert auth == DriverAuth(str(tmp_path / "home" / ".ray" / "auth_token"), None, True)
    assert os.environ["RAY_AUTH_MODE"] == "token"
    ray_auth.restore(auth)
    assert "RAY_AUTH_MODE" not in os.environ
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")  # the user's own choice is kept
    assert ray_auth.enable() == DriverAuth(None, "disabled", False)
    assert os.environ["RAY_AUTH_MODE"] == "disabled"


def test_refusals_name_the_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    at = "10.0.0.5:6379"
    assert refusal(at, DriverAuth("RAY_AUTH_TOKEN", None, True)) == (
        f"The Ray cluster at {at} refused this driver's token (InvalidAuthToken: the token from "
        "RAY_AUTH_TOKEN is not the cluster's). " + GET_TOKEN)
    assert refusal(at, DriverAuth(None, "disabled", False)).startswith(
        f"The Ray cluster at {at} refused this driver: it uses token authentication, and "
        "RAY_AUTH_MODE=disabled here sends no token. Unset RAY_AUTH_MODE")
    none = refusal(at, DriverAuth(None, "token", False))
    assert f"this driver has no token (RAY_AUTH_TOKEN and RAY_AUTH_TOKEN_PATH are unset, {tmp_path}" in none
    assert "\n" not in none



def test_the_no_token_line_says_why_the_file_gave_none(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    none = DriverAuth(None, None, False)
    home = home_with_token(tmp_path, token="")
    monkeypatch.setenv("HOME", str(home))
    assert f"{home / '.ray' / 'auth_token'} is empty)" in refusal("h:1", none)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert f"{tmp_path / '.ray' / 'auth_token'} does not exist)" in refusal("h:1", none)


def test_docs_show_the_lines_unspin_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = (Path(__file__).parents[2] / "docs" / "corpus.md").read_text()
    monkeypatch.setenv("HOME", "/home/ana")  # as in the docs' example (no such folder here)
    at = "10.0.0.5:6379"
    with pytest.raises(TokenPathError) as unreadable:
        token_source({"RAY_AUTH_TOKEN_PATH": "/home/ana/ray-token"})
    lines = [refusal(at, DriverAuth("RAY_AUTH_TOKEN", None, True)),
             refusal(at, DriverAuth(None, None, False)), str(unreadable.value)]
    for line in lines:
        assert f"error: {line}\n" in docs
