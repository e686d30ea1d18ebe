"""`unspin model train` and `unspin model teach`: fine-tune the encoder and heads on PTC-format data,
and cache a teacher's view of articles for distillation and self-training."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from unspin.cli.common import progress_bar, user_errors
from unspin.training.args import DEFAULTS

RUN_FOLDER = Path(DEFAULTS["out"])


def train(
    data: Path = typer.Option(
        ..., "--data", help="PTC folder (train-articles/ and train-labels-task-flc-tc/), "
        "a Label Studio .json export or a doccano .jsonl export."
    ),
    base: str = typer.Option(DEFAULTS["base"], "--base", help="minilm, mpnet, a model folder or a Hub name."),
    out: Path = typer.Option(RUN_FOLDER, "--out", help="Run folder: checkpoints, log, model."),
    epochs: int = typer.Option(DEFAULTS["epochs"], "--epochs", min=1),
    batch_size: int = typer.Option(DEFAULTS["batch_size"], "--batch-size", min=1),
    lr: float = typer.Option(DEFAULTS["lr"], "--lr", help="Encoder learning rate."),
    head_lr: float = typer.Option(DEFAULTS["head_lr"], "--head-lr", help="Learning rate of the heads."),
    seed: int = typer.Option(DEFAULTS["seed"], "--seed"),
    limit: int = typer.Option(None, "--limit", help="Use only the first N training articles."),
    fresh: bool = typer.Option(False, "--fresh", help="Ignore an existing checkpoint in --out."),
    init: Path = typer.Option(
        None,
        "--init",
        help="Start from an earlier run (its folder or checkpoint.pt), a model folder or a "
        "`unspin model pretrain` folder, with a fresh schedule; --base must match.",
    ),
    teacher: Path = typer.Option(
        None,
        "--teacher",
        help="Distil: also learn this model's soft targets (a model folder such as the accurate "
        "tier's, or a teacher cache from `unspin model teach`).",
    ),
    pseudo: list[Path] = typer.Option(
        None,
        "--pseudo",
        help="A teacher cache of unlabelled articles (`unspin model teach`) to self-train on; repeatable.",
    ),
    extra: list[str] = typer.Option(
        None,
        "--extra",
        help="Extra annotated data, FOLDER or FOLDER:WEIGHT (WEIGHT in (0, 1], default 1, scales "
        "its articles' loss): articles/ + labels-flc-tc.tsv (ct24-en's layout; its ignore-spans.tsv "
        "is honoured: its spans are \"don't care\", neither positives nor negatives) or a PTC folder. "
        "Every article is trained on; repeatable.",
    ),
    all_data: bool = typer.Option(
        False,
        "--all-data",
        help="Also train on the report split (for a shipped model, once the recipe is fixed).",
    ),
    distil: float = typer.Option(
        DEFAULTS["distil"], "--distil", min=0.0, max=1.0,
        help="Weight of the teacher's targets against the gold ones.",
    ),
    class_weights: float = typer.Option(
        DEFAULTS["class_weights"],
        "--class-weights",
        min=0.0,
        max=2.0,
        help="Weigh each technique's loss terms by (1 / its share of the gold spans) ** this, "
        "so rare techniques count more (0: off; 0.5: square-root inverse frequency).",
    ),
    bf16: bool | None = typer.Option(
        None,
        "--bf16/--fp32",
        help="bfloat16 autocast on the CPU (default: where the CPU has it natively, AVX512-BF16 or "
        "AMX); emulated bf16 trains about 3x slower than fp32.",
        show_default=False,
    ),
    encoder_dropout: float = typer.Option(
        None,
        "--encoder-dropout",
        min=0.0,
        max=0.9,
        help="Override the encoder's dropout (0 helps MPNet learn).",
    ),
    layers: str = typer.Option(
        None,
        "--layers",
        help="Keep only these of the base's layers, e.g. 0,2,4 (a shallower, faster student); "
        "with --init from a deeper run or model, the student starts from those layers of it.",
    ),
) -> None:
    """Train a model (seeded; resumes from OUT/checkpoint.pt unless --fresh).

    Validates on the fixed article-level split after every epoch (SI, TC, FLC F1, logged
    to OUT/log.jsonl) and keeps the best epoch's model in OUT/model.
    """

    from unspin.training.args import TrainingArguments
    from unspin.training.trainer import Trainer

    with (
        user_errors(),
        progress_bar() as progress,
    ):
        args = TrainingArguments(
            data=str(data),
            out=str(out),
            base=base,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            head_lr=head_lr,
            seed=seed,
            limit=limit,
            resume=not fresh,
            bf16=bf16,
            encoder_dropout=encoder_dropout,
            layers=parse_layers(layers),
            init=str(init) if init else None,
            teacher=str(teacher) if teacher else None,
            distil=distil,
            class_weights=class_weights,
            pseudo=[str(p) for p in pseudo or []],
            extra=list(extra or []),
            **({"holdout_ids": []} if all_data else {}),
            **annotation_split(data),
        )
        bar = progress.add_task("training", total=None)

        def on_step(step: int, total: int, loss: float) -> None:
            progress.update(bar, completed=step, total=total, description=f"training  loss {loss:.3f}")

        def on_epoch(record: dict) -> None:
            v = record["valid"]
            progress.console.print(
                f"epoch {record['epoch']}: SI F1 {v['si']['f1']:.4f}  TC F1 {v['tc']['f1']:.4f}  "
                f"FLC F1 {v['flc']['f1']:.4f}  ({record['seconds']} s)"
            )

        def on_teach(done: int, total: int) -> None:
            progress.update(bar, completed=done, total=total, description="teacher's targets")

        result = Trainer(args, on_step=on_step, on_epoch=on_epoch, on_teach=on_teach).train()
    keys = ("best", "examples", "stats", "train_articles", "extra_articles", "pseudo_articles",
            "valid_articles", "saw_report")
    print(json.dumps({k: result[k] for k in keys}))
    print(f"best model: {out / 'model'}")


def teach(
    data: list[Path] = typer.Option(
        ...,
        "--data",
        help="A PTC folder (its training split's articles, with gold spans) or a JSONL file of "
        "articles (`id`, `text`); repeatable.",
    ),
    out: Path = typer.Option(..., "--out", help="Cache folder: one .npz per article (resumes)."),
    model: str = typer.Option("accurate", "--model", help="Teacher: a shipped tier or a model folder."),
    limit: int = typer.Option(None, "--limit", min=1, help="Only the first N articles of each source."),
) -> None:
    """Run a teacher model over articles once and cache what it says (token BIO and
    technique probabilities, its spans, its view of gold spans) for `unspin model train
    --teacher/--pseudo`. PTC folders contribute their `train` split only (never the tuning
    or report split)."""

    import unspin
    from unspin import config
    from unspin.runtime.provenance import saw_report
    from unspin.training.teacher import fingerprint, label_cache

    with user_errors():
        sources = [read_source(path) for path in data]
        teacher = unspin.load(model).predictor
        folder = config.model_path(model)
        teacher_id = fingerprint(folder)
        with progress_bar() as progress:
            for path, (docs, labels) in zip(data, sources, strict=True):
                docs = docs[:limit] if limit else docs
                bar = progress.add_task(path.name, total=len(docs))
                fresh = label_cache(
                    teacher,
                    docs,
                    out,
                    labels=labels,
                    track=lambda done, total, bar=bar: progress.update(bar, completed=done, total=total),
                    teacher_id=teacher_id,
                    saw_report=saw_report(folder),
                )
                progress.console.print(f"{path}: {fresh} labelled now, {len(docs) - fresh} already cached")
    print(f"teacher cache: {out}")


def parse_layers(text: str | None) -> list[int] | None:
    """`--layers 0,2,4` as a list of layer indices (None when not given)."""
    from unspin.errors import InputError

    if not text:
        return None
    try:
        return [int(part) for part in text.split(",")]
    except ValueError as err:
        raise InputError(f"--layers: expected layer numbers like 0,2,4, got {text!r}.") from err


def read_source(path: Path) -> tuple[list, dict]:
    """Articles to learn from without training on the held-out splits: a PTC folder's train
    split (with its gold labels), or every article of a JSONL file (no labels)."""
    from unspin.tuning.data import load_corpus
    from unspin.tuning.splits import split_of

    if not path.is_dir():
        return read_jsonl_articles(path), {}
    docs, labels = load_corpus(path)
    keep = set(split_of([str(d.id) for d in docs], "train"))
    return [d for d in docs if d.id in keep], labels


def read_jsonl_articles(path: Path) -> list:
    """Articles (`id`, `text`) from a JSONL file; a line that is not such an object is an
    error naming its line number."""
    from unspin.doc import Document
    from unspin.errors import InputError

    docs = []
    with open(path, encoding="utf-8") as lines:
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise InputError(f"{path}:{n}: not JSON ({err.msg}).") from err
            if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                raise InputError(f"{path}:{n}: expected an object with a string `text`.")
            docs.append(Document(row["text"], id=str(row.get("id", f"{path.stem}-{n}"))))
    return docs


def annotation_split(data: Path) -> dict[str, list[str]]:
    """The validation split when DATA is not PTC's: for a Label Studio / doccano file, or a
    folder holding none of PTC's tuning articles (an `export-annotations` folder), a fixed split
    of its own documents; {} (PTC's tuning split) otherwise. What the file reader skips (spans
    it cannot place, documents that lost spans, records not annotated) and notes is printed on
    stderr."""
    from unspin.io.annotations import split_ids

    if data.is_dir():
        from unspin.io.ptc import article_ids
        from unspin.tuning.splits import tuning_ids

        ids = article_ids(data / "train-articles")
        return {} if not ids or set(ids) & set(tuning_ids()) else {"tuning_ids": split_ids(ids)}
    if not data.is_file():
        return {}
    from unspin.io.annotations import read_annotations

    found = read_annotations(data)
    for why in found.skipped:
        print(f"skipped {why}", file=sys.stderr)
    for note in found.notes:
        print(f"note: {note}", file=sys.stderr)
    return {"tuning_ids": split_ids([str(d.id) for d in found.docs])}
