"""The models the server can use: the shipped tiers, the adapted models in the models folder
(`unspin.config.models_dir()`), and the model the server was started with. A request names
one (`"model": NAME`); it is loaded on first use, in a worker thread, once per name, and at
most `max_models` stay loaded (the least recently used is dropped)."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from unspin import config, taxonomy
from unspin.catalog import ModelFolder, saw_report
from unspin.errors import InputError, ModelNotFoundError
from unspin.web.context import technique_info
from unspin.web.runner import AnalyzerLike, InferenceRunner

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")  # an adapted model's folder name
Loader = Callable[[Path], AnalyzerLike]


def _load(path: Path) -> AnalyzerLike:
    import unspin

    return unspin.load(path)


def techniques_of(folder: ModelFolder) -> list[dict[str, str]]:
    """A model's techniques, in output order, with display names and definitions."""
    custom = {t.name: t for t in folder.technique_info()}
    out = []
    for name in folder.techniques:
        t = taxonomy.BY_NAME.get(name) or custom.get(name)
        out.append({"name": name, "display": t.display if t else name,
                    "definition": t.definition if t else taxonomy.NO_DEFINITION})
    return out


def figures_of(folder: ModelFolder) -> dict[str, Any] | None:
    """F1 figures from the config: an adapted model's held-out figures, else its validation."""
    adapted = folder.config.get("adapted")
    if isinstance(adapted, dict) and isinstance(adapted.get("held_out_after"), dict):
        return {"on": "held-out part of its adaptation data", **adapted["held_out_after"]}
    validation = folder.config.get("validation")
    if isinstance(validation, dict):
        f1 = {k: v.get("f1") for k, v in validation.items() if isinstance(v, dict) and "f1" in v}
        if f1:
            return {"on": "validation split chosen on in training", **f1}
    return None


def provenance_of(folder: ModelFolder) -> dict[str, Any]:
    """Where a model comes from: its start and data when adapted, and whether it saw PTC's
    report split."""
    out: dict[str, Any] = {"saw_report": saw_report(folder.path)}
    adapted = folder.config.get("adapted")
    if isinstance(adapted, dict):
        out["adapted_from"] = (adapted.get("start") or {}).get("model")
        out["data"] = (adapted.get("data") or {}).get("sources")
        out["documents"] = (adapted.get("data") or {}).get("documents")
        out["taxonomy"] = (adapted.get("taxonomy") or {}).get("mode")
    return out


class ModelRegistry:
    """The models by name, each loaded lazily and kept while among the `limit` latest used."""

    def __init__(self, runner: InferenceRunner, *, folder: Path | None = None, limit: int = 2,
                 loader: Loader = _load):
        self.runner = runner
        self.folder = folder if folder is not None else config.models_dir()
        self.limit = limit
        self._loader = loader
        self._loaded: OrderedDict[str, AnalyzerLike] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[str, threading.Lock] = {}
        self._register_adapted()

    def _register_adapted(self) -> None:
        """Make the adapted models' own techniques (display names, definitions) known to this
        process, so pages show their saved analyses properly before any of them is loaded."""
        for kind, path in self.folders().values():
            if kind == "adapted":
                try:
                    taxonomy.register(ModelFolder.read(path, check=False).technique_info())
                except ModelNotFoundError:
                    continue

    def folders(self) -> dict[str, tuple[str, Path]]:
        """name -> (kind, folder): the shipped tiers, then the adapted models by folder name."""
        out = {tier: ("shipped", config.shipped_model_path(tier)) for tier in config.TIERS}
        if self.folder.is_dir():
            for child in sorted(self.folder.iterdir()):
                if NAME.match(child.name) and child.name not in out and (child / "config.json").is_file():
                    out[child.name] = ("adapted", child)
        return out

    def default_name(self) -> str:
        """The name of the model requests get when they name none (the server's own)."""
        loaded = self.runner.model_name
        if loaded is None:
            return config.model_name()
        for name, (_, path) in self.folders().items():
            if _config_name(path) == loaded:
                return name
        return loaded

    def describe(self) -> list[dict[str, Any]]:
        """Every model: name, kind, whether default and loaded, techniques, figures, provenance."""
        default = self.default_name()
        out = []
        for name, (kind, path) in self.folders().items():
            try:
                folder = ModelFolder.read(path)
            except ModelNotFoundError:
                continue  # a half-copied or broken folder is not offered
            out.append({"name": name, "kind": kind, "model": folder.name, "default": name == default,
                        "loaded": (name == default and self.runner.loaded) or name in self._loaded,
                        "techniques": techniques_of(folder), "figures": figures_of(folder),
                        "provenance": provenance_of(folder)})
        if not any(m["default"] for m in out):  # started with a folder outside the list
            analyzer = self.runner.analyzer() if self.runner.loaded else None
            names = getattr(getattr(analyzer, "predictor", None), "techniques", taxonomy.NAMES)
            out.insert(0, {"name": default, "kind": "server", "model": default, "default": True,
                           "loaded": self.runner.loaded,
                           "techniques": [{k: technique_info(n)[k] for k in ("name", "display", "definition")}
                                          for n in names],
                           "figures": None, "provenance": {}})
        return out

    def path(self, name: str) -> Path:
        """The folder of the model `name`, or 422 naming it and the models there are."""
        found = self.folders().get(name)
        if found is None:
            names = [*self.folders()]
            raise InputError(f"Unknown model {name[:64]!r}: this server has {', '.join(names)} "
                          "(GET /api/models lists them).")
        return found[1]

    def loader(self, name: str | None) -> Callable[[], AnalyzerLike] | None:
        """What loads the model `name` (None: the server's own); 422 for an unknown name."""
        if name is None or name == self.default_name():
            return None
        path = self.path(name)
        return lambda: self.get(name, path)

    def get(self, name: str, path: Path) -> AnalyzerLike:
        """The model `name`, loaded once (blocks: call it from a worker thread)."""
        with self._lock:
            if name in self._loaded:
                self._loaded.move_to_end(name)
                return self._loaded[name]
            gate = self._loading.setdefault(name, threading.Lock())
        with gate:
            with self._lock:
                if name in self._loaded:
                    return self._loaded[name]
            analyzer = self._loader(path)
            with self._lock:
                self._loaded[name] = analyzer
                while len(self._loaded) > self.limit:
                    self._loaded.popitem(last=False)
                self._loading.pop(name, None)
        return analyzer

    def technique_names(self, model: str) -> list[str] | None:
        """The techniques of the model whose analyses record the name `model` (None: not known
        here; the pages then offer PTC's 14). Its own techniques' display names and definitions
        become known to this process, as loading it would make them."""
        analyzer = self.runner.analyzer() if self.runner.model_name == model else None
        if analyzer is not None and hasattr(getattr(analyzer, "predictor", None), "techniques"):
            return list(analyzer.predictor.techniques)
        for _, path in self.folders().values():
            try:
                folder = ModelFolder.read(path, check=False)
            except ModelNotFoundError:
                continue
            if folder.name == model:
                taxonomy.register(folder.technique_info())
                return list(folder.techniques)
        return None

    def loaded(self) -> list[str]:
        with self._lock:
            return list(self._loaded)


def _config_name(path: Path) -> str | None:
    try:
        return ModelFolder.read(path, check=False).name
    except ModelNotFoundError:
        return None
