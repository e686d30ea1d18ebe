"""A real Label Studio (1.23.2, its own virtualenv from .ci/setup-label-studio.sh, or
UNSPIN_TEST_LABEL_STUDIO naming its `label-studio`), run in a loopback-only network
namespace: unspin's config and tasks imported, annotations posted as its editor saves them
(region text rewritten, spans over line breaks, one marked ground truth, a later one not),
exported, converted back, compared exactly. Skipped, saying why, where Label Studio is not
installed or namespaces are unavailable."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fixtures_ptc import ARTICLES
from unspin.cli.main import app
from unspin.io.annotations import read_annotations
from unspin.io.label_studio import label_studio_config

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("ls_driver.py")
LIMIT = 420  # seconds for the whole Label Studio run (start, migrate, import, annotate, export)

pytestmark = pytest.mark.label_studio


def label_studio() -> str:
    exe = os.environ.get("UNSPIN_TEST_LABEL_STUDIO") or str(ROOT / ".venv-label-studio/bin/label-studio")
    if not Path(exe).is_file():
        pytest.skip(f"no Label Studio at {exe}: run .ci/setup-label-studio.sh "
                    "(or set UNSPIN_TEST_LABEL_STUDIO)")
    for tool in ("unshare", "ip"):
        if shutil.which(tool) is None:
            pytest.skip(f"needs {tool} to keep Label Studio off the network (.ci/setup-offline.sh)")
    return exe


def region(text: str, first: str, last: str, stored: str, label: str, rid: str) -> dict:
    """A region as Label Studio's editor saves it: offsets right, `text` rewritten."""
    start, end = text.index(first), text.index(last) + len(last)
    return {"value": {"start": start, "end": end, "text": stored, "labels": [label]}, "id": rid,
            "from_name": "label", "to_name": "text", "type": "labels", "origin": "manual"}


def test_round_trip_through_label_studio(ptc_dir: Path, tmp_path: Path) -> None:
    exe = label_studio()
    namespace = ["unshare", "-n"] if os.geteuid() == 0 else ["unshare", "-rn"]
    run = CliRunner().invoke(app, ["convert", str(ptc_dir), str(tmp_path / "tasks.json"),
                                   "--to", "label-studio"])
    assert run.exit_code == 0, run.output
    one, three = ARTICLES["1"][0], ARTICLES["3"][0]
    drawn = [region(one, "corrupt", "Real patriots", "corrupt elites have betrayed us.\\nReal patriots",
                    "Loaded_Language", "h1"),
             region(one, "Traitors", "Nation", "Traitors Sell Out the Nation", "Name_Calling,Labeling", "h2"),
             region(three, "Build", "naïve", "Build the wall! 🧱 Build the wall!\\n\\nIs this naïve",
                    "Slogans", "h3")]
    later = [region(one, "Traitors", "Traitors", "Traitors", "Doubt", "h4")]
    plan = {"config": (tmp_path / "label-studio-config.xml").read_text(encoding="utf-8"),
            "tasks": json.loads((tmp_path / "tasks.json").read_text(encoding="utf-8")),
            "annotations": {one: [{"result": drawn[:2], "ground_truth": True}, {"result": later}],
                            three: [{"result": drawn[2:]}]}}
    assert plan["config"] == label_studio_config()
    (tmp_path / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    (tmp_path / "ls").mkdir()
    script = 'ip link set lo up && exec "$@"'
    done = subprocess.run([*namespace, "sh", "-c", script, "sh", sys.executable, str(DRIVER), exe,
                           str(tmp_path / "ls"), str(tmp_path / "plan.json"), str(tmp_path / "export.json")],
                          capture_output=True, text=True, timeout=LIMIT)
    assert done.returncode == 0, done.stderr[-3000:] + (tmp_path / "ls" / "server.log").read_text()[-3000:]
    assert json.loads(done.stdout.splitlines()[-1]) == {"version": "1.23.2", "tasks": 3}

    out = tmp_path / "back"
    run = CliRunner().invoke(app, ["convert", str(tmp_path / "export.json"), str(out), "--to", "ptc"])
    assert run.exit_code == 0, run.output
    assert json.loads(run.stdout)["skipped"] == 0
    assert "note: task 1: 3 annotations; used annotation" in run.stderr and "(the ground truth)" in run.stderr
    assert "note: task 3: 2 annotations; used annotation" in run.stderr and "(the latest)" in run.stderr
    assert "task 2" not in run.stderr  # one annotation: nothing to say
    back = read_annotations(out)
    for ident, (text, _) in ARTICLES.items():  # texts byte for byte (emoji, CRLF)
        assert (out / "train-articles" / f"article{ident}.txt").read_bytes() == text.encode()
    got = {d.id: [(x.technique, x.start, x.end) for x in back.labels[d.id]] for d in back.docs}
    expected = {"1": [(r["value"]["labels"][0], r["value"]["start"], r["value"]["end"]) for r in drawn[:2]],
                "2": [],  # imported with its (empty) annotation
                "3": [("Slogans", 0, three.index("naïve") + 5)]}  # the latest: the reviewer's
    assert {k: sorted(v, key=lambda x: (x[1], x[2], x[0])) for k, v in got.items()} == {
        k: sorted(v, key=lambda x: (x[1], x[2], x[0])) for k, v in expected.items()}
