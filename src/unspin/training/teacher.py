"""Soft targets from a teacher model (for example the accurate tier) for training a
student (the fast tier): per-token BIO and technique probabilities carried onto the
student's tokens through character offsets, technique probabilities for every gold span,
and, for unlabelled articles, the teacher's own spans (pseudo-labels).

`label_cache` runs a teacher once over many articles and keeps what it says on disk (one
`.npz` per article, resumable; `teacher.json` names the teacher, so a cache never mixes
two); `from_cache` turns an entry into a student's `Teaching`."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tokenizers import Tokenizer

from unspin.doc import Document
from unspin.errors import InputError
from unspin.io import ptc
from unspin.runtime import windows as W
from unspin.runtime.folder import CONFIG, WEIGHTS, ModelFolder
from unspin.runtime.fusion import carry_rows
from unspin.runtime.provenance import KEY


@dataclass
class Teaching:
    """What the teacher says about one article, on the student's tokens."""

    bio: np.ndarray  # (n_student_tokens, 3); NaN rows where no teacher token lies
    spans: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)  # gold span -> probs
    tech: np.ndarray | None = None  # (n_student_tokens, n_techniques) token-head probabilities
    found: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)  # teacher's spans -> probs


def _entry_path(folder: Path, doc_id: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", doc_id)
    return folder / f"{safe}-{hashlib.sha256(doc_id.encode()).hexdigest()[:8]}.npz"


def fingerprint(model: str | Path) -> str:
    """A short fingerprint of a model folder: its config (settings and calibration
    included) and weights, and its fused members'."""
    digest = hashlib.sha256()

    def add(folder: Path) -> None:
        model = ModelFolder.read(folder)
        digest.update((folder / CONFIG).read_bytes())
        if (folder / WEIGHTS).exists():
            with open(folder / WEIGHTS, "rb") as weights:
                digest.update(hashlib.file_digest(weights, "sha256").digest())
        for member in model.members:
            add(member)

    add(Path(model))
    return digest.hexdigest()[:16]


def claim(folder: Path, teacher_id: str, saw_report: bool | None = None) -> None:
    """Record in `folder` which teacher fills it (`teacher.json`) and whether it learnt from
    the report split (`provenance`); refuse a folder that another teacher, or an unrecorded
    one, has begun."""
    stamp = folder / "teacher.json"
    if stamp.exists():
        made_by = json.loads(stamp.read_text()).get("teacher")
        if made_by != teacher_id:
            raise InputError(
                f"{folder} holds another teacher's labels ({made_by}, not {teacher_id}): "
                "use a new cache folder, or delete this one to relabel."
            )
        return
    if any(folder.glob("*.npz")):
        raise InputError(
            f"{folder} holds labels from a teacher it did not record: use a new cache folder, "
            "or delete this one to relabel."
        )
    stamp.write_text(json.dumps({"teacher": teacher_id, KEY: saw_report}) + "\n")


def label_cache(
    teacher: Any,
    docs: Sequence[Document],
    folder: str | Path,
    *,
    labels: dict[str, list[ptc.Label]] | None = None,
    track: Callable[[int, int], None] = lambda done, total: None,
    teacher_id: str | None = None,
    saw_report: bool | None = None,
) -> int:
    """Run `teacher` over the `docs` not yet in `folder` and store, per article, its text,
    the teacher's tokens, stitched BIO and technique probabilities, its labelled spans
    (`labelled_spans`) and its probabilities for the gold spans in `labels`. Returns how
    many articles were labelled now; rerunning resumes. With `teacher_id` (`fingerprint`),
    the folder is claimed for that teacher (`claim`), recording `saw_report`."""
    from unspin.runtime.decode.result import labelled_spans

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if teacher_id is not None:
        claim(folder, teacher_id, saw_report)
    todo = [d for d in docs if not _entry_path(folder, str(d.id)).exists()]
    done = len(docs) - len(todo)
    if done:
        track(done, len(docs))  # resumed: what was cached already
    for doc, enc in zip(todo, teacher.encode(d.text for d in todo), strict=True):
        stitched = teacher.stitched(enc)
        own = labelled_spans(teacher, enc)
        gold = sorted({(x.start, x.end) for x in (labels or {}).get(str(doc.id), []) if x.technique})
        golds = teacher.classify(enc, [(s, e, 1.0) for s, e in gold])
        rows = [(r.start, r.end, r.score, r.probs, False) for r in own]
        rows += [(r.start, r.end, 1.0, r.probs, True) for r in golds]
        n_tech = stitched.tech.shape[1]
        path = _entry_path(folder, str(doc.id))
        tmp = path.with_suffix(".tmp.npz")
        np.savez_compressed(
            tmp,
            id=np.array(str(doc.id)),
            text=np.array(doc.text),
            offsets=stitched.doc.tokens.offsets.astype(np.int32),
            bio=stitched.bio.astype(np.float32),
            tech=stitched.tech.astype(np.float32),
            bounds=np.array([(a, b) for a, b, *_ in rows], dtype=np.int64).reshape(-1, 2),
            score=np.array([r[2] for r in rows], dtype=np.float32),
            probs=np.array([r[3] for r in rows], dtype=np.float32).reshape(-1, n_tech),
            gold=np.array([r[4] for r in rows], dtype=bool),
        )
        os.replace(tmp, path)
        done += 1
        track(done, len(docs))
    return len(todo)


def read_cache(folder: str | Path) -> Iterator[tuple[Document, dict[str, np.ndarray]]]:
    """Every article of a teacher cache with its stored arrays, in file-name order."""
    for path in sorted(Path(folder).glob("*.npz")):
        if path.name.endswith(".tmp.npz"):
            continue
        with np.load(path) as z:
            arrays = {k: z[k] for k in z.files}
        yield Document(str(arrays["text"]), id=str(arrays["id"])), arrays


def from_cache(arrays: dict[str, np.ndarray], tokenizer: Tokenizer, line_marks: bool = False) -> Teaching:
    """A cache entry (`read_cache`) on the student's tokens (`Settings.line_marks` its own)."""
    text = str(arrays["text"])
    student = W.tokenize(tokenizer, text, line_marks)
    n_tech = arrays["tech"].shape[1]

    def onto(values: np.ndarray) -> np.ndarray:
        missing = np.full((len(student), values.shape[1]), np.nan, dtype=np.float32)
        return carry_rows(arrays["offsets"], student.offsets, len(text), values.astype(np.float32), missing)

    spans, found = {}, {}
    for (a, b), probs, gold in zip(
        arrays["bounds"], arrays["probs"].reshape(-1, n_tech), arrays["gold"], strict=True
    ):
        (spans if gold else found)[(int(a), int(b))] = probs.astype(np.float32)
    return Teaching(onto(arrays["bio"]), spans, onto(arrays["tech"]), found)
