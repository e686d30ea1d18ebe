"""Imports flow downward: the core never imports upper layers; store never imports models;
nothing imports cli; `import unspin` stays light."""

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "unspin"
CORE = {"doc", "taxonomy", "scoring", "errors", "render", "io", "review"}
FORBIDDEN = {
    "core": {"unspin.models", "unspin.web", "unspin.store", "unspin.batch", "unspin.cli", "unspin.pipeline"},
    "store": {"unspin.models", "unspin.web", "unspin.cli"},
    "web": {"unspin.models", "unspin.cli"},
    "any": {"unspin.cli"},
}


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_imports_flow_downward():
    bad = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        top = rel.parts[0].removesuffix(".py")
        layers = ["any"] if top != "cli" else []
        if top in CORE:
            layers.append("core")
        if top in ("store", "web"):
            layers.append(top)
        for layer in layers:
            for name in imports_of(path):
                if any(name == f or name.startswith(f + ".") for f in FORBIDDEN[layer]):
                    bad.append(f"{rel} imports {name} ({layer})")
    assert not bad, bad


def test_import_unspin_is_light():
    code = "import sys, unspin; print(any(m.startswith(('torch', 'transformers')) for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
