"""Nothing leaves the machine: the library, the CLI and the web server (with two worker
processes, analyzing over real HTTP) run inside a loopback-only network namespace under
`strace -f -e trace=connect`; any connect to an address other than loopback fails the test.

Without unspin turning telemetry off, onnxruntime 1.31.1's 1DS client tries the system
resolver (port 53) a few seconds after it is imported, so each process is held for HOLD
seconds after its work."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from unspin.offline import TELEMETRY_OFF

HOLD = 14  # seconds; onnxruntime's client first connects about 9 s after its import
TEXTS = ["Traitors and cowards will destroy our great nation.", "Everyone knows the truth.",
         "Only a fool would believe them. Act now, before it is too late!"]

# Run inside the namespace with the standard library only: it must not import unspin, which
# would turn telemetry off in the environment the processes under test inherit.
DRIVER = r'''
import json, os, socket, subprocess, sys, time, urllib.request
model, work, hold = sys.argv[1], sys.argv[2], float(sys.argv[3])
texts = json.loads(sys.argv[4])
py = sys.executable
library = subprocess.Popen([py, "-c", (
    "import sys, time, unspin\n"
    "a = unspin.load(sys.argv[1])\n"
    "print(sum(len(a.analyze(t).spans) >= 0 for t in sys.argv[3:]), flush=True)\n"
    "time.sleep(float(sys.argv[2]))\n"), model, str(hold), *texts], stdout=subprocess.PIPE, text=True)
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
server = subprocess.Popen([py, "-c", "from unspin.cli.main import app; app()", "serve", "--host",
                           "127.0.0.1", "--port", str(port), "--model", model, "--db",
                           os.path.join(work, "web.db"), "--create", "--processes", "2"])
for name, text in enumerate(texts):
    path = os.path.join(work, f"article{name}.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
cli = subprocess.run([py, "-c", "from unspin.cli.main import app; app()", "analyze", "-f", "json",
                      "-m", model, *[os.path.join(work, f"article{n}.txt") for n in range(len(texts))]],
                     capture_output=True, text=True, timeout=120)
answers = []
deadline = time.monotonic() + 90
for text in texts:
    while True:
        try:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/api/analyze",
                                             data=json.dumps({"text": text}).encode(),
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=30) as answer:
                answers.append(json.load(answer)["text"] == text)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
time.sleep(hold)
server.terminate()
server.wait(timeout=30)
print(json.dumps({"cli": [json.loads(line)["text"] for line in cli.stdout.splitlines()],
                  "cli_rc": cli.returncode, "http": answers, "library": library.communicate()[0].strip()}))
'''

CONNECT = re.compile(r"connect\(\d+, \{sa_family=(?P<family>AF_INET6?),.*?"
                     r"(?:inet_addr\(\"(?P<v4>[^\"]+)\"\)|inet_pton\(AF_INET6, \"(?P<v6>[^\"]+)\")")


def outside_connects(trace: str) -> list[str]:
    """The connect() lines of an strace log that aim anywhere but loopback."""
    bad = []
    for line in trace.splitlines():
        found = CONNECT.search(line)
        if found is None:
            continue
        address = found["v4"] or found["v6"] or ""
        if not (address.startswith("127.") or address in ("::1", "::ffff:127.0.0.1")):
            bad.append(line.strip())
    return bad


def test_outside_connects_are_recognised() -> None:
    trace = ('7 connect(7, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.255.255.53")}, 16)'
             ' = -1 ENETUNREACH\n'
             '8 connect(3, {sa_family=AF_INET, sin_port=htons(8000), '
             'sin_addr=inet_addr("127.0.0.1")}, 16) = 0\n'
             '9 connect(4, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), '
             'inet_pton(AF_INET6, "2001:db8::1", &sin6_addr), sin6_scope_id=0}, 28) = -1\n'
             '9 connect(5, {sa_family=AF_UNIX, sun_path="/run/x"}, 110) = 0\n')
    assert [line.split()[1] for line in outside_connects(trace)] == ["connect(7,", "connect(4,"]


def _namespace_command() -> list[str]:
    """`unshare` with a new network namespace (and a user namespace when not root), or skip."""
    missing = [tool for tool in ("unshare", "strace", "ip") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (apt-get install util-linux strace iproute2; "
                    ".ci/setup-offline.sh does it)")
    command = ["unshare", "-n"] if os.geteuid() == 0 else ["unshare", "-rn"]
    probe = subprocess.run([*command, "sh", "-c", "ip link set lo up && strace -qq -e trace=connect true"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot run strace in a network namespace here: {probe.stderr.strip()[:200]}")
    return command


def test_library_cli_and_server_connect_only_to_loopback(tiny_model_dir: Path, tmp_path: Path) -> None:
    command = _namespace_command()
    (tmp_path / "driver.py").write_text(DRIVER, encoding="utf-8")
    trace = tmp_path / "connect.log"
    env = {k: v for k, v in os.environ.items() if k not in TELEMETRY_OFF}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parents[1] / "src"), env.get("PYTHONPATH", "")])
    traced = ["strace", "-f", "-qq", "-e", "trace=connect", "-o", str(trace), sys.executable,
              str(tmp_path / "driver.py"), str(tiny_model_dir), str(tmp_path), str(HOLD), json.dumps(TEXTS)]
    run = subprocess.run([*command, "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *traced],
                         capture_output=True, text=True, env=env, timeout=280)
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen == {"cli": TEXTS, "cli_rc": 0, "http": [True, True, True], "library": "3"}
    log = trace.read_text(encoding="utf-8")
    assert "127.0.0.1" in log  # the HTTP requests were traced: the trace covers the processes
    assert outside_connects(log) == []


def test_import_unspin_turns_telemetry_off_and_says_when_too_late() -> None:
    env = {**{k: v for k, v in os.environ.items() if k not in TELEMETRY_OFF}, "ORT_DISABLE_TELEMETRY": "0",
           "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    code = ("import json, os, unspin\n"
            "print(json.dumps({k: os.environ[k] for k in unspin.offline.TELEMETRY_OFF}))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert json.loads(run.stdout) == {"HF_HUB_DISABLE_TELEMETRY": "1",
                                                        "ORT_DISABLE_TELEMETRY": "1",
                                                        "RAY_USAGE_STATS_ENABLED": "0"}
    assert run.stderr == ""
    late = subprocess.run([sys.executable, "-c", "import onnxruntime, unspin"], capture_output=True,
                          text=True, env=env, check=True)
    assert "onnxruntime was imported before unspin, so its telemetry could not be turned off" in late.stderr
