"""Token authentication against real `ray start --head` clusters, in the three states a user
meets: no token; a token in ~/.ray/auth_token (the head's user, on the head); a token only in
`RAY_AUTH_TOKEN`. `unspin batch --engine ray --address` joins each with no `RAY_AUTH_MODE` in its
environment, and a driver without the cluster's token fails with one line naming where its token
came from, never printing it. HOME is a temporary folder: the user's ~/.ray is never touched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from ray_cluster import Cluster, TokenState, left_processes, start_cluster

from unspin.batch.engines.ray_auth import GET_TOKEN
from unspin.doc import Document
from unspin.store import Store

pytestmark = pytest.mark.ray
TEXTS = ["The corrupt elites betrayed us, and every true patriot knows it.", "A plain note on the weather."]
CLI = [sys.executable, "-c", "from unspin.cli.main import app; app()"]


def new_db(folder: Path) -> Path:
    db = folder / "auth.db"
    Store.open(db).add_documents([Document(t) for t in TEXTS])
    return db


def batch(cluster: Cluster, env: dict[str, str], db: Path, model: Path) -> subprocess.CompletedProcess:
    cmd = [*CLI, "batch", "--engine", "ray", "--address", cluster.address, "--db", str(db), "--model",
           str(model), "--json"]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)


def error_lines(out: subprocess.CompletedProcess) -> list[str]:
    return [line for line in out.stderr.splitlines() if line.startswith("error:")]


@pytest.fixture(scope="module")
def token_head() -> Iterator[Cluster]:
    """A head started as the issue's user did: a token in its user's ~/.ray/auth_token."""
    pytest.importorskip("ray")
    running = start_cluster(token="file")
    try:
        yield running
    finally:
        running.stop()


@pytest.mark.parametrize("state", ["none", "file", "env"])
def test_the_driver_joins_a_head_in_each_token_state(state: TokenState, tmp_path: Path,
                                                     tiny_model_dir: Path) -> None:
    pytest.importorskip("ray")
    cluster = start_cluster(token=state)
    try:
        log = cluster.head_log()  # the head is in the state this test means
        assert "Local node IP: 127.0.0.1" in log
        said = "Token authentication is disabled" if state == "none" else "Token authentication is enabled"
        assert said in log
        assert (cluster.home / ".ray" / "auth_token").exists() is (state == "file")
        assert "RAY_AUTH_MODE" not in cluster.env and ("RAY_AUTH_TOKEN" in cluster.env) is (state == "env")
        db = new_db(tmp_path)
        out = batch(cluster, cluster.env, db, tiny_model_dir)
        assert out.returncode == 0, out.stderr[-3000:]
        summary = json.loads(out.stdout)
        assert (summary["analyzed"], summary["written"], summary["remaining"]) == (2, 2, 0)
        assert len(Store.open(db).models()) == 1
        if cluster.token:
            assert cluster.token not in out.stdout + out.stderr
    finally:
        cluster.stop()
    assert left_processes(cluster) == []  # no raylet, GCS or worker left
    assert not cluster.folder.exists()  # nor its HOME, token file or session folders


def test_another_user_with_the_token_file_in_token_path_joins(token_head: Cluster, tmp_path: Path,
                                                               tiny_model_dir: Path) -> None:
    copy = tmp_path / "cluster-token"  # another user, or another machine, given a copy of the file
    copy.write_text((token_head.home / ".ray" / "auth_token").read_text())
    (tmp_path / "home").mkdir()
    env = {**token_head.env, "HOME": str(tmp_path / "home"), "RAY_AUTH_TOKEN_PATH": str(copy)}
    db = new_db(tmp_path)
    out = batch(token_head, env, db, tiny_model_dir)
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout)["analyzed"] == 2
    assert token_head.token is not None and token_head.token not in out.stdout + out.stderr


def test_a_driver_without_a_token_is_one_line(token_head: Cluster, tmp_path: Path,
                                              tiny_model_dir: Path) -> None:
    home = tmp_path / "home"  # another user: no token file, no RAY_AUTH_TOKEN
    home.mkdir()
    db = new_db(tmp_path)
    out = batch(token_head, {**token_head.env, "HOME": str(home)}, db, tiny_model_dir)
    assert out.returncode == 2, out.stderr[-3000:]
    assert error_lines(out) == [
        f"error: The Ray cluster at {token_head.address} refused this driver (InvalidAuthToken): it uses "
        "token authentication and this driver has no token (RAY_AUTH_TOKEN and RAY_AUTH_TOKEN_PATH are "
        f"unset, {home / '.ray' / 'auth_token'} does not exist). " + GET_TOKEN]
    assert "Traceback" not in out.stderr
    assert Store.open(db).models() == []


def test_a_wrong_token_file_is_named_in_one_line(token_head: Cluster, tmp_path: Path,
                                                tiny_model_dir: Path) -> None:
    wrong = tmp_path / "old-token"
    wrong.write_text("0123456789abcdef" * 4)
    db = new_db(tmp_path)
    out = batch(token_head, {**token_head.env, "RAY_AUTH_TOKEN_PATH": str(wrong)}, db, tiny_model_dir)
    assert out.returncode == 2, out.stderr[-3000:]
    assert error_lines(out) == [
        f"error: The Ray cluster at {token_head.address} refused this driver's token (InvalidAuthToken: the "
        f"token from RAY_AUTH_TOKEN_PATH ({wrong}) is not the cluster's). " + GET_TOKEN]
    assert "0123456789abcdef" not in out.stderr + out.stdout and "Traceback" not in out.stderr
    assert Store.open(db).models() == []


def test_a_token_path_that_cannot_be_read_fails_at_once(token_head: Cluster, tmp_path: Path,
                                                       tiny_model_dir: Path) -> None:
    missing = tmp_path / "no-such-token"
    out = batch(token_head, {**token_head.env, "RAY_AUTH_TOKEN_PATH": str(missing)}, new_db(tmp_path),
                tiny_model_dir)
    assert out.returncode == 2
    assert error_lines(out) == [f"error: RAY_AUTH_TOKEN_PATH is set to {missing}, which cannot be read or is "
                                "empty: point it at a file holding the cluster's token, or unset it."]


def test_connect_sets_token_mode_for_this_driver_only(token_head: Cluster,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from unspin.batch.engines.ray import connect, disconnect

    for name in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(token_head.home))
    ray, connected, auth = connect(token_head.address, None)
    try:
        assert connected and auth is not None
        assert (auth.source, auth.enabled) == (str(token_head.home / ".ray" / "auth_token"), True)
        assert os.environ["RAY_AUTH_MODE"] == "token"
        assert ray.cluster_resources()["CPU"] == 1
    finally:
        disconnect(ray, auth)
    assert "RAY_AUTH_MODE" not in os.environ and not ray.is_initialized()
