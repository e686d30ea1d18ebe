"""Label Studio JSON: tasks read with exact offsets (hand-drawn regions included), tasks
written as annotations or as predictions to review, and the labeling config.

    [{"id": 1, "data": {"text": "..."}, "annotations": [{"id": 9, "ground_truth": false,
      "result": [{"type": "labels", "from_name": "label", "to_name": "text",
      "value": {"start": 0, "end": 8, "text": "Traitors", "labels": ["Name_Calling,Labeling"]}}]}]}]

Of several annotations on a task the ground-truth one is used (else the latest by
`updated_at`, `created_at`, then position), and a note says which.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any
from xml.sax.saxutils import quoteattr

from unspin import taxonomy
from unspin.doc import Document
from unspin.errors import FormatError
from unspin.io.ptc import Label
from unspin.io.spans import Loaded, UniqueIds, place, present

Labels = Mapping[str, list[Label]]
LOCAL_PATH_KEYS = ("path",)  # meta keys holding a local file path: only the file name is exported


def _chosen(task: dict[str, Any], doc_id: str, out: Loaded) -> dict[str, Any] | None:
    """The annotation to read: the ground truth, else the latest; None (noted) when none."""
    given = task.get("annotations") or task.get("completions") or []
    done = [a for a in given if isinstance(a, dict) and not a.get("was_cancelled")]
    if not done:
        cancelled = len(given) - len(done)
        out.skipped.append(f"task {doc_id}: not annotated" + (f" ({cancelled} cancelled)" * bool(cancelled)))
        return None
    if len(done) == 1:
        return done[0]
    truth = [a for a in done if a.get("ground_truth")]
    pool = truth or done
    order = sorted(range(len(pool)), key=lambda i: (str(present(pool[i].get("updated_at"),
                                                                 pool[i].get("created_at")) or ""), i))
    pick = pool[order[-1]]
    why = ("the ground truth" if len(truth) == 1 else "the latest ground truth") if truth else "the latest"
    others = [str(a.get("id", "?")) for a in done if a is not pick]
    out.notes.append(f"task {doc_id}: {len(done)} annotations; used annotation {pick.get('id', '?')} "
                     f"({why}), not {', '.join(others)}")
    return pick


def read_label_studio(path: str | Path) -> Loaded:
    """Tasks with their chosen annotation; tasks never annotated are skipped (said so)."""
    try:
        tasks = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise FormatError(f"{path}: not a Label Studio JSON export ({err}).") from err
    tasks = [tasks] if isinstance(tasks, dict) else tasks
    if not isinstance(tasks, list):
        raise FormatError(f"{path}: expected a list of tasks, found {type(tasks).__name__}.")
    out = Loaded([], {})
    ids = UniqueIds(out)
    for number, task in enumerate(tasks, 1):
        data = task.get("data") if isinstance(task, dict) else None
        if not isinstance(data, dict):
            raise FormatError(f"{path}: task {number} has no `data` object.")
        text = data.get("text")
        if not isinstance(text, str):
            strings = [v for v in data.values() if isinstance(v, str)]
            if len(strings) != 1:
                raise FormatError(f"{path}: task {number} has no `data.text` (and not one string field).")
            text = strings[0]
        doc_id = ids.claim(present(data.get("unspin_id"), task.get("id"), number),
                           f"task {number} (the {_nth(number)} in {Path(path).name})")
        chosen = _chosen(task, doc_id, out)
        if chosen is None:
            continue
        labels = _labels(chosen, text, doc_id, out)
        meta = {k: v for k, v in data.items() if k not in ("text", "unspin_id")}
        out.docs.append(Document(text, doc_id, meta))
        out.labels[doc_id] = sorted(labels)
    return out


def _nth(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _labels(annotation: dict[str, Any], text: str, doc_id: str, out: Loaded) -> list[Label]:
    labels, other = [], {}
    for item in annotation.get("result") or []:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind not in (None, "labels"):
            other[kind] = other.get(kind, 0) + 1
            continue
        value = item.get("value") if isinstance(item, dict) else None
        if not isinstance(value, dict) or "start" not in value or not value.get("labels"):
            out.lose(doc_id, f"document {doc_id}: a region without offsets or a label: {str(item)[:80]}")
            continue
        for name in value["labels"]:
            found = place(text, value.get("start"), value.get("end"), name, doc_id, value.get("text"), out)
            if found is not None:
                labels.append(found)
    if other:
        kinds = ", ".join(f"{n} of type {k!r}" for k, n in sorted(other.items(), key=str))
        out.notes.append(f"task {doc_id}: results not read ({kinds}): only `labels` spans are")
    return labels


def task_score(scores: Iterable[float]) -> float:
    """A task's prediction score, for Label Studio's ordering: the score of its least sure
    span (1.0 when the model marked none)."""
    return round(min((float(s) for s in scores), default=1.0), 4)


def local_name(value: str) -> str | None:
    """The file name of an absolute local path (POSIX or Windows), else None."""
    for pure in (PurePosixPath, PureWindowsPath):
        if pure(value).is_absolute():
            return pure(value).name
    return None


def _data(doc: Document) -> dict[str, Any]:
    """A task's `data`: the text, unspin's id and the plain metadata. Local file paths become
    their file names (`path` as `file`, and any other absolute path), so reviewers never see
    the machine's folders."""
    data: dict[str, Any] = {"text": doc.text, "unspin_id": str(doc.id)}
    for key, value in doc.meta.items():
        if key in LOCAL_PATH_KEYS and isinstance(value, str):
            data.setdefault("file", PurePosixPath(PureWindowsPath(value).as_posix()).name)
        elif isinstance(value, str | int | float) and key not in data:
            data[key] = (local_name(value) or value) if isinstance(value, str) else value
    return data


def label_studio_task(doc: Document, labels: Iterable[Label], *, scores: Mapping[Label, float] | None = None,
                      model: str | None = None) -> dict[str, Any]:
    """One task; with `scores` (or `model`) the spans are predictions to review (each with
    its score, the prediction with `task_score`), else annotations."""
    result = []
    for n, label in enumerate(sorted(labels)):
        value = {"start": label.start, "end": label.end, "text": doc.text[label.start:label.end],
                 "labels": [label.technique]}
        item: dict[str, Any] = {"id": f"s{n}", "from_name": "label", "to_name": "text", "type": "labels",
                                "value": value}
        if scores is not None and label in scores:
            item["score"] = round(float(scores[label]), 4)
        result.append(item)
    task: dict[str, Any] = {"data": _data(doc)}
    if doc.id is not None and str(doc.id).isascii() and str(doc.id).isdigit():
        task["id"] = int(str(doc.id))
    if scores is not None or model is not None:
        task["predictions"] = [{"model_version": model or "unspin", "result": result,
                                "score": task_score(item.get("score", 1.0) for item in result)}]
    else:
        # Label Studio marks an imported annotation ground truth unless told otherwise, which
        # would outrank every reviewer's later annotation (measured with Label Studio 1.23.2)
        task["annotations"] = [{"result": result, "ground_truth": False}]
    return task


def prediction_tasks(analyses: Iterable[Any]) -> list[dict[str, Any]]:
    """Label Studio tasks for `Analysis` objects: their spans as scored predictions."""
    tasks = []
    for x in analyses:
        scores: dict[Label, float] = {}
        for s in x.spans:  # the same span twice (two cues): the higher score
            key = Label(str(x.doc.id), s.start, s.end, s.technique)
            scores[key] = max(scores.get(key, 0.0), float(s.score))
        tasks.append(label_studio_task(x.doc, list(scores), scores=scores, model=x.model))
    return tasks


def write_label_studio(docs: Iterable[Document], labels: Labels, path: str | Path) -> int:
    """Write a Label Studio import file (annotations); returns the number of tasks."""
    tasks = [label_studio_task(d, labels.get(str(d.id), [])) for d in docs]
    Path(path).write_text(json.dumps(tasks, ensure_ascii=False, indent=1), encoding="utf-8")
    return len(tasks)


def label_studio_config(extra: Iterable[str] = ()) -> str:
    """The labeling interface for unspin's 14 techniques and the `extra` ones (an adapted
    model's own; paste it into the project settings); its `<Style>` (Label Studio's documented
    `.htx-text { white-space: pre-wrap; }`) shows line breaks and runs of spaces as they are in
    the text."""
    own = [taxonomy.custom(n, index=i) for i, n in enumerate(n for n in dict.fromkeys(extra)
                                                              if n not in taxonomy.BY_NAME)]
    labels = "\n".join(f'    <Label value={quoteattr(t.name)} background="{t.color}"/>'
                       for t in (*taxonomy.TECHNIQUES, *own))
    return ('<View>\n  <Style>.htx-text { white-space: pre-wrap; }</Style>\n'
            f'  <Labels name="label" toName="text">\n{labels}\n  </Labels>\n'
            '  <Text name="text" value="$text" granularity="symbol"/>\n</View>\n')
