"""A shipped tier's recipe as data (`recipes/<tier>.toml`), checked and run resumably.

A recipe names its inputs and its steps. An input is a data file or folder (with the
SHA-256 of the file, or of the folder's tree: `tree_sha256`), a base encoder (installed, or
installable by `unspin setup`), or a folder from the repository's history (`git =
"COMMIT:PATH"`, unpacked into OUT/inputs/NAME when the recipe runs). A step is one `unspin
model ...` command line whose `{name}` fields are the inputs' paths, `{out}` (the rebuild's
folder) and `{data}` (../shared/data beside the repository). `run` records each finished
step in OUT/rebuild.json and skips it when run again. Imports nothing heavy: the steps run in
subprocesses (or any `Executor` a caller passes)."""

from __future__ import annotations

import hashlib
import io
import json
import shlex
import subprocess
import sys
import tarfile
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unspin.errors import UnspinError

ROOT = Path(__file__).resolve().parents[2]
RECIPES = ROOT / "recipes"
DATA = ROOT.parent / "shared" / "data"  # ../shared/data beside the clone
RECORD = "rebuild.json"
Executor = Callable[[list[str]], int]


class RecipeError(UnspinError, ValueError):
    """A recipe that cannot be read, or an input that is missing or not the one recorded."""


@dataclass(frozen=True)
class Input:
    name: str
    path: str = ""  # a data file or folder ({data} expands)
    sha256: str = ""  # of the file, or of the folder's tree
    base: str = ""  # a base encoder's short name
    git: str = ""  # COMMIT:PATH in this repository's history
    readme: str = ""  # where the data's counts are listed
    counts: str = ""
    unverified: str = ""


@dataclass(frozen=True)
class Step:
    number: int
    name: str
    run: str
    seed: int | None = None
    minutes: float = 0.0  # expected on 2 cores
    note: str = ""
    unverified: str = ""

    def argv(self, fields: dict[str, str]) -> list[str]:
        try:
            return shlex.split(self.run.format_map(fields))
        except KeyError as err:
            raise RecipeError(
                f"step {self.number} ({self.name}) uses {{{err.args[0]}}}, which no input names."
            ) from err


@dataclass(frozen=True)
class Recipe:
    tier: str
    name: str
    result: str
    summary: str
    inputs: list[Input]
    steps: list[Step]
    path: Path
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def minutes(self) -> float:
        return sum(s.minutes for s in self.steps)


def recipe_path(name: str | Path) -> Path:
    """`recipes/<name>.toml` in the repository, or `name` where it is a file."""
    path = Path(name)
    if path.suffix == ".toml" and path.is_file():
        return path
    path = RECIPES / f"{name}.toml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in RECIPES.glob("*.toml"))) or "none"
        raise RecipeError(
            f"No recipe {name!r} in {RECIPES} (recipes: {known}); run from a clone of the repository."
        )
    return path


def load(name: str | Path) -> Recipe:
    """The recipe `name` ("accurate", "fast" or a .toml file), checked for shape."""
    path = recipe_path(name)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise RecipeError(f"{path}: not valid TOML: {err}") from err
    try:
        inputs = [Input(name=k, **v) for k, v in data.get("inputs", {}).items()]
        steps = [Step(number=i, **s) for i, s in enumerate(data.get("steps", []), start=1)]
    except TypeError as err:
        raise RecipeError(f"{path}: {err}") from err
    for step in steps:
        if not step.run.startswith("unspin model "):
            raise RecipeError(
                f"{path}: step {step.number} ({step.name}) must be an `unspin model ...` command."
            )
    for inp in inputs:
        if sum(bool(x) for x in (inp.path, inp.base, inp.git)) != 1:
            raise RecipeError(f"{path}: input {inp.name!r} needs exactly one of path, base, git.")
    try:
        tier, name, result = data["tier"], data["name"], data["result"]
    except KeyError as err:
        raise RecipeError(f"{path}: the recipe needs {err.args[0]!r}.") from err
    return Recipe(tier, name, result, data.get("summary", ""), inputs, steps, path, data)


def tree_sha256(path: Path) -> str:
    """SHA-256 of a file, or of a folder: its files' relative paths and contents, sorted."""
    if path.is_file():
        return _file_sha256(path)
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(file.relative_to(path).as_posix().encode() + b"\0")
        digest.update(bytes.fromhex(_file_sha256(file)))
    return digest.hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def fields(recipe: Recipe, out: Path, data: Path) -> dict[str, str]:
    """The values of a step's `{name}` fields."""
    values = {"out": str(out), "data": str(data)}
    for inp in recipe.inputs:
        if inp.path:
            values[inp.name] = inp.path.format(data=data)
        elif inp.git:
            values[inp.name] = str(out / "inputs" / inp.name)
        else:
            values[inp.name] = inp.base
    return values


def _git(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, check=False)


def check_input(inp: Input, data: Path, *, hashes: bool = True) -> str:
    """A line saying where `inp` is; raise `RecipeError` naming it where it is missing or differs."""
    if inp.path:
        path = Path(inp.path.format(data=data))
        if not path.exists():
            raise RecipeError(f"input {inp.name!r} is missing: {path} does not exist.")
        if hashes and inp.sha256 and (found := tree_sha256(path)) != inp.sha256:
            raise RecipeError(
                f"input {inp.name!r} differs: {path} has SHA-256 {found[:12]}…, "
                f"the recipe records {inp.sha256[:12]}…."
            )
        return f"{path}" + (f" (sha256 {inp.sha256[:12]}…)" if inp.sha256 else "")
    if inp.git:
        if _git("cat-file", "-e", inp.git).returncode != 0:
            raise RecipeError(
                f"input {inp.name!r} is missing: {inp.git} is not in this repository's history "
                "(a shallow clone? `git fetch --unshallow`)."
            )
        return f"git {inp.git}"
    from unspin.runtime.bases import BASES

    base = BASES.get(inp.base)
    if base is None:
        raise RecipeError(f"input {inp.name!r}: no base encoder {inp.base!r} (bases: {', '.join(BASES)}).")
    where = "installed" if base_installed(inp.base) else f"installable: {base.install}"
    return f"base encoder {inp.base} ({where})"


def base_installed(name: str) -> bool:
    """Whether the base encoder `name` is on this machine (without verifying its digest)."""
    import importlib.util

    from unspin.config import cache_dir
    from unspin.runtime.bases import BASES

    base = BASES[name]
    if base.package and importlib.util.find_spec(base.package) is not None:
        return True
    return (cache_dir() / "bases" / name / "model.safetensors").exists()


def unpack(inp: Input, out: Path) -> Path:
    """Unpack a `git` input's folder into OUT/inputs/NAME (once)."""
    dest = out / "inputs" / inp.name
    if dest.is_dir():
        return dest
    commit, _, prefix = inp.git.partition(":")
    done = _git("archive", "--format=tar", commit, prefix)
    if done.returncode != 0:
        raise RecipeError(f"input {inp.name!r}: git archive {inp.git} failed: {done.stderr.decode().strip()}")
    tmp = dest.with_name(dest.name + ".partial")
    lead = prefix.rstrip("/") + "/"
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith(lead) and m.name != lead]
        for member in members:
            member.name = member.name.removeprefix(lead)
        tar.extractall(tmp, members=members, filter="data")
    tmp.rename(dest)
    return dest


def read_record(out: Path) -> dict[str, Any]:
    path = out / RECORD
    return json.loads(path.read_text()) if path.is_file() else {"steps": {}}


def _write_record(out: Path, record: dict[str, Any]) -> None:
    tmp = out / (RECORD + ".tmp")
    tmp.write_text(json.dumps(record, indent=2) + "\n")
    tmp.replace(out / RECORD)


def subprocess_executor(argv: list[str]) -> int:
    """Run `unspin model ...` with this Python (so the same unspin runs every step)."""
    code = "import sys; from unspin.cli.main import app; sys.exit(app())"
    return subprocess.run([sys.executable, "-c", code, *argv[1:]], check=False).returncode


def run(
    recipe: Recipe,
    out: Path,
    data: Path,
    *,
    from_step: int | None = None,
    executor: Executor = subprocess_executor,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run the recipe's steps into `out`, skipping those OUT/rebuild.json records as done with
    the same command; with `from_step`, the steps before it are skipped and all from it run
    again. Return the record."""
    for inp in recipe.inputs:
        check_input(inp, data)
    out.mkdir(parents=True, exist_ok=True)
    for inp in recipe.inputs:
        if inp.git:
            unpack(inp, out)
    values = fields(recipe, out, data)
    record = read_record(out)
    record.update(recipe=recipe.tier, name=recipe.name)
    for step in recipe.steps:
        argv = step.argv(values)
        command = shlex.join(argv)
        done = record["steps"].get(str(step.number))
        if from_step is not None and step.number < from_step:
            say(f"step {step.number} {step.name}: skipped" + ("" if done else " (not recorded as done)"))
            continue
        if from_step is None and done and done["command"] == command:
            say(f"step {step.number} {step.name}: done, skipped")
            continue
        say(f"step {step.number} {step.name}: {command}")
        start = time.monotonic()
        code = executor(argv)
        if code != 0:
            raise RecipeError(f"step {step.number} ({step.name}) failed with exit status {code}: {command}")
        record["steps"][str(step.number)] = {
            "name": step.name, "command": command, "seconds": round(time.monotonic() - start, 1),
            "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        _write_record(out, record)
        _name_result(Path(recipe.result.format_map(values)), recipe.name)
    return record


def _name_result(result: Path, name: str) -> None:
    """Give the recipe's result its shipped name once a step has made it."""
    if not (result / "config.json").is_file():
        return
    from unspin.runtime.folder import ModelFolder

    folder = ModelFolder.read(result)
    if folder.config.get("name") != name:
        folder.config["name"] = name
        folder.write()


def show(recipe: Recipe, out: Path, data: Path, *, say: Callable[[str], None] = print) -> None:
    """Print every input (checked: raise on the first missing one) and every step's command."""
    lines = [f"  input {inp.name}: {check_input(inp, data)}" + (" [unverified]" if inp.unverified else "")
             for inp in recipe.inputs]
    hours = recipe.minutes / 60
    say(f"recipe {recipe.tier} ({recipe.path.name}): {recipe.name}, about {hours:.1f} h on 2 cores")
    for line in lines:
        say(line)
    values = fields(recipe, out, data)
    for step in recipe.steps:
        extra = [f"seed {step.seed}"] if step.seed is not None else []
        extra += [f"~{step.minutes:g} min"] + (["unverified"] if step.unverified else [])
        say(f"{step.number:2d}. {step.name} ({', '.join(extra)})")
        say(f"    {shlex.join(step.argv(values))}")
    say(f"result: {recipe.result.format_map(values)}")


def check_commands(recipe: Recipe, out: Path, data: Path, commands: dict[str, Any]) -> None:
    """Raise naming the step whose command `unspin model` would refuse (no such command, an
    unknown option, a required option missing): `commands` maps a subcommand's name to its
    click command."""
    values = fields(recipe, out, data)
    for step in recipe.steps:
        argv = step.argv(values)
        name = argv[2] if len(argv) > 2 else ""
        command = commands.get(name)
        if command is None:
            raise RecipeError(f"step {step.number} ({step.name}): no command `unspin model {name}`.")
        options = [p for p in command.params if p.param_type_name == "option"]
        known = {o for p in options for o in (*p.opts, *p.secondary_opts)}
        given = {a.split("=")[0] for a in argv[3:] if a.startswith("--")}
        if unknown := sorted(given - known):
            raise RecipeError(
                f"step {step.number} ({step.name}): `unspin model {name}` has no option {unknown[0]}."
            )
        for p in options:
            if p.required and not given & set(p.opts):
                raise RecipeError(
                    f"step {step.number} ({step.name}): `unspin model {name}` needs {p.opts[0]}."
                )
