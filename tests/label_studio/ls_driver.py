"""Drive a real Label Studio through its REST API (standard library only; run inside a
loopback-only network namespace by tests/label_studio/test_real_label_studio.py).

    ls_driver.py LABEL_STUDIO_EXE DATA_DIR PLAN.json EXPORT.json

PLAN: {"config": XML, "tasks": [task, ...] (unspin's import file), "annotations": {"TEXT": [
{"result": [...], "ground_truth": bool}, ...]}} (annotations posted to the task with that
text, in order, shaped like those Label Studio's editor saves). Writes Label Studio's JSON
export to EXPORT.json."""

import json
import os
import subprocess
import sys
import time
import urllib.request

TOKEN = "0123456789abcdef0123456789abcdef01234567"
PORT = 8089
BASE = f"http://127.0.0.1:{PORT}"
START_LIMIT = 240  # seconds for Label Studio to answer /health (its first start migrates its database)


def call(method: str, path: str, body: object = None) -> object:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method, headers={
        "Authorization": f"Token {TOKEN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        raw = answer.read()
    return json.loads(raw) if raw else None


def main() -> None:
    exe, data_dir, plan_path, export_path = sys.argv[1:5]
    with open(plan_path, encoding="utf-8") as handle:
        plan = json.load(handle)
    env = {**os.environ, "LABEL_STUDIO_BASE_DATA_DIR": data_dir, "LATEST_VERSION_CHECK": "false",
           "COLLECT_ANALYTICS": "false", "SENTRY_DSN": "", "FRONTEND_SENTRY_DSN": ""}
    log = open(os.path.join(data_dir, "server.log"), "w")  # noqa: SIM115 - the server's log, closed below
    server = subprocess.Popen([exe, "start", "--no-browser", "--internal-host", "127.0.0.1",
                               "--port", str(PORT), "--host", BASE, "--username", "probe@example.com",
                               "--password", "probe-pass-123", "--user-token", TOKEN,
                               "--enable-legacy-api-token"],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_LIMIT
        while True:
            try:
                urllib.request.urlopen(BASE + "/health", timeout=2).read()
                break
            except OSError as err:
                if time.monotonic() > deadline or server.poll() is not None:
                    why = f"Label Studio did not start in {START_LIMIT} s (see {log.name})"
                    raise SystemExit(why) from err
                time.sleep(1)
        project = call("POST", "/api/projects/", {"title": "unspin", "label_config": plan["config"]})
        call("POST", f"/api/projects/{project['id']}/import", plan["tasks"])
        tasks = call("GET", f"/api/tasks/?project={project['id']}&page_size=1000")
        tasks = tasks["tasks"] if isinstance(tasks, dict) else tasks
        for task in tasks:
            for annotation in plan["annotations"].get(task["data"]["text"], []):
                made = call("POST", f"/api/tasks/{task['id']}/annotations/", {"result": annotation["result"]})
                if annotation.get("ground_truth"):
                    call("PATCH", f"/api/annotations/{made['id']}/", {"ground_truth": True})
                time.sleep(1.1)  # distinct updated_at
        export = call("GET", f"/api/projects/{project['id']}/export?exportType=JSON&download_all_tasks=true")
        with open(export_path, "w", encoding="utf-8") as out:
            json.dump(export, out, ensure_ascii=False)
        print(json.dumps({"version": call("GET", "/api/version").get("release"), "tasks": len(export)}))
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


if __name__ == "__main__":
    main()
