"""The model folder: its `config.json` schema, read, checked and written in one place.

A model folder holds `config.json` and, unless it is a fused ensemble, `weights.npz` (and
`tokenizer.json` for a base with no pretrained weights). Every reader and writer of a
model's config goes through `ModelFolder`; a bad folder gets a `ModelNotFoundError` that
names the folder, the key, what was expected and what was found.

config.json (format 1):

| key | type | meaning |
|---|---|---|
| `format` | int | this schema's version (1) |
| `name` | str | the model's name, shown in analyses |
| `base` | str or null | the encoder the weights are a delta over (`minilm`, `mpnet`, a folder) |
| `encoder_config` | object or null | the encoder's config where `base` is null (random init) |
| `hidden` | int | the encoder's hidden size |
| `layers` | list of int | the base's layers this encoder keeps (a shallower student) |
| `techniques` | list of str | the techniques it labels, in output order |
| `technique_info` | list of objects | `name`, `display`, `definition` of techniques outside PTC's 14 |
| `settings` | object | `unspin.runtime.settings.Settings`: windowing, decoding, calibration |
| `delta_rank` | object | low-rank factors' ranks (`matrices`, `word_embeddings`) |
| `backend` | str | the backend `auto` picks for it (`onnx`, `onnx-fp32`, `torch`) |
| `int8_only`, `int8_outliers` | list, object | which MatMuls go int8, which channels stay fp32 |
| `fuse`, `weights`, `technique_weights`, `views` | lists | a fused ensemble |
| `saw_report` | bool | whether it learnt from the report split (`provenance`) |
| `validation`, `epoch`, `tuning`, `output_tuning`, `soup` | | records of how it was made |
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from unspin import taxonomy
from unspin.config import BACKENDS
from unspin.errors import ModelNotFoundError
from unspin.runtime.settings import Settings

FORMAT = 1
CONFIG = "config.json"
WEIGHTS = "weights.npz"
# key -> the JSON types it may hold (None: any)
SCHEMA: dict[str, tuple[type, ...] | None] = {
    "format": (int,),
    "name": (str,),
    "base": (str, type(None)),
    "encoder_config": (dict, type(None)),
    "hidden": (int,),
    "layers": (list,),
    "techniques": (list,),
    "settings": (dict,),
    "delta_rank": (dict,),
    "backend": (str,),
    "int8_only": (list,),
    "int8_outliers": (dict,),
    "fuse": (list,),
    "weights": (list,),
    "technique_weights": (list,),
    "views": (list,),
    "saw_report": (bool, type(None)),
    "validation": None,
    "epoch": None,
    "tuning": None,
    "output_tuning": None,
    "soup": None,
    "adapted": None,
    "technique_info": (list,),
}
SETTINGS = {f.name for f in fields(Settings)}


def _type_names(types: tuple[type, ...]) -> str:
    names = {int: "a whole number", str: "a string", dict: "an object", list: "a list", bool: "true or false"}
    return " or ".join(names.get(t, "null") for t in types)


@dataclass
class ModelFolder:
    """A model folder and its config (see the module's table)."""

    path: Path
    config: dict[str, Any]

    @classmethod
    def read(cls, path: str | os.PathLike[str], *, check: bool = True) -> ModelFolder:
        """The folder at `path`, checked (`validate`) unless `check` is false."""
        path = Path(path)
        try:
            text = (path / CONFIG).read_text(encoding="utf-8")
        except FileNotFoundError as err:
            raise ModelNotFoundError(
                f"{path} is not an unspin model ({CONFIG} and {WEIGHTS} expected). "
                "Train one with `unspin model train`, adapt one with `unspin adapt`, or use a shipped tier."
            ) from err
        try:
            config = json.loads(text)
        except ValueError as err:
            raise ModelNotFoundError(f"{path}/{CONFIG} is not valid JSON: {err}.") from err
        if not isinstance(config, dict):
            raise ModelNotFoundError(
                f"{path}/{CONFIG} must hold a JSON object, found {type(config).__name__}."
            )
        folder = cls(path, config)
        if check:
            folder.validate()
        return folder

    def _bad(self, key: str, expected: str, found: Any) -> ModelNotFoundError:
        shown = json.dumps(found)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        return ModelNotFoundError(f"{self.path}/{CONFIG}: \"{key}\" must be {expected}, found {shown}.")

    def validate(self) -> None:
        """Check the config against the schema; raise naming the first bad key."""
        c = self.config
        if c.get("format") != FORMAT:
            if isinstance(c.get("format"), int) and c["format"] > FORMAT:
                raise ModelNotFoundError(
                    f"{self.path} has model format {c['format']}, newer than this unspin's {FORMAT}: "
                    "upgrade unspin to load it."
                )
            raise self._bad("format", str(FORMAT), c.get("format"))
        for key, value in c.items():
            types = SCHEMA.get(key)
            if types and (not isinstance(value, types) or (isinstance(value, bool) and bool not in types)):
                raise self._bad(key, _type_names(types), value)
        if unknown := sorted(set(c.get("settings", {})) - SETTINGS):
            raise ModelNotFoundError(
                f"{self.path}/{CONFIG}: \"settings\" has an unknown key \"{unknown[0]}\"; the settings are "
                f"{', '.join(sorted(SETTINGS))}."
            )
        if "backend" in c and c["backend"] not in BACKENDS:
            raise self._bad("backend", " or ".join(BACKENDS), c["backend"])
        if c.get("int8_outliers") and not c.get("int8_only"):
            raise ModelNotFoundError(
                f"{self.path}/{CONFIG}: \"int8_outliers\" splits MatMuls that \"int8_only\" names, "
                "and it names none: add \"int8_only\" or remove \"int8_outliers\"."
            )
        if self.is_fused:
            self._validate_fused()
            return
        if "techniques" in c and not all(isinstance(t, str) and t for t in c["techniques"]):
            raise self._bad("techniques", "a list of technique names", c["techniques"])
        if not (self.path / WEIGHTS).is_file():
            raise ModelNotFoundError(
                f"{self.path} has a {CONFIG} but no {WEIGHTS}: copy the whole model folder, or rebuild it."
            )

    def _validate_fused(self) -> None:
        members = self.config["fuse"]
        if not members or not all(isinstance(m, str) for m in members):
            raise self._bad("fuse", "a list of member folders", members)
        for member in members:
            if not (self.path / member / CONFIG).is_file():
                raise ModelNotFoundError(
                    f"{self.path}/{CONFIG}: \"fuse\" names {member!r}, which is not a model folder "
                    f"({self.path / member} has no {CONFIG})."
                )
        views = self.config.get("views")
        if views is not None and (len(views) != len(members) or any(v not in (1, 2) for v in views)):
            raise ModelNotFoundError(f"{self.path}/{CONFIG}: \"views\" needs 1 or 2 for each of its members.")
        weights = self.config.get("weights")
        if weights is not None and len(weights) != len(members):
            raise self._bad("weights", f"one number per member ({len(members)})", weights)

    @property
    def is_fused(self) -> bool:
        return bool(self.config.get("fuse"))

    @property
    def members(self) -> list[Path]:
        return [self.path / m for m in self.config.get("fuse", [])]

    @property
    def techniques(self) -> tuple[str, ...]:
        """The techniques it labels, in output order (PTC's 14 where the config names none)."""
        return tuple(self.config.get("techniques") or taxonomy.NAMES)

    def technique_info(self) -> list[taxonomy.Technique]:
        """Its techniques outside PTC's 14 as `taxonomy.Technique`s (display name and definition
        from `technique_info`, else the name and "no definition given")."""
        info = {str(i.get("name")): i for i in self.config.get("technique_info", []) if isinstance(i, dict)}
        return [
            taxonomy.custom(name, info.get(name, {}).get("display"), info.get(name, {}).get("definition"), k)
            for k, name in enumerate(self.techniques)
            if name not in taxonomy.BY_NAME
        ]

    @property
    def name(self) -> str:
        return str(self.config.get("name", self.path.name))

    def settings(self, base: Settings | None = None) -> Settings:
        """The config's `Settings` (over `base`'s, for a fused folder's members)."""
        return Settings(**{**(asdict(base) if base else {}), **self.config.get("settings", {})})

    def update_settings(self, **values: Any) -> None:
        """Set `settings` keys (each must be a `Settings` field)."""
        unknown = set(values) - SETTINGS
        if unknown:
            raise KeyError(f"Not a setting: {', '.join(sorted(unknown))}.")
        self.config.setdefault("settings", {}).update(values)

    def write(self) -> Path:
        """Write config.json (atomically: a reader never sees half a file) after checking it."""
        self.path.mkdir(parents=True, exist_ok=True)
        self.config.setdefault("format", FORMAT)
        self.validate()
        text = json.dumps(self.config, indent=2) + "\n"
        handle, tmp = tempfile.mkstemp(dir=self.path, prefix=".config-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(tmp, self.path / CONFIG)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return self.path / CONFIG
