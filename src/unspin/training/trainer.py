"""Training: `TrainingArguments` validates itself, `Trainer` orchestrates epochs,
checkpoints (resumable), validation figures per epoch and the kept model's artifact (the best
validated epoch's, or the last's)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from unspin import taxonomy
from unspin.doc import Document
from unspin.errors import InputError
from unspin.io import ptc
from unspin.io.extra import read_extra
from unspin.runtime import provenance
from unspin.runtime.backends.network import PropagandaNet
from unspin.runtime.backends.torch import TorchBackend
from unspin.runtime.backends.weights import build_encoder
from unspin.runtime.predictor import Predictor
from unspin.runtime.settings import Settings
from unspin.runtime.threads import available_cpus
from unspin.runtime.windows import load_tokenizer, special_id
from unspin.training import weights
from unspin.training.args import TrainingArguments
from unspin.training.examples import Example, Stats, build_examples
from unspin.training.losses import batch_loss, collate, rare_technique_weights
from unspin.training.start import load_init, seed_everything, start_from
from unspin.training.teacher import from_cache, read_cache
from unspin.tuning.data import load_corpus
from unspin.tuning.splits import report_ids
from unspin.tuning.validation import validate


def batch_order(examples: list[Example], size: int, seed: int, *, by_length: bool = False) -> list[list[int]]:
    """The epoch's batches (example indices), shuffled with `seed`. `by_length`: batches of
    examples of similar length (sorted within chunks of 50 batches, then the batches
    shuffled), so short texts are not padded to a long one's length."""
    rng = np.random.RandomState(seed)
    order = rng.permutation(len(examples))
    if by_length:
        chunk = 50 * size
        order = np.concatenate([
            sorted(order[i : i + chunk], key=lambda k: len(examples[k].input_ids))
            for i in range(0, len(order), chunk)
        ]) if len(order) else order
    batches = [list(order[i : i + size]) for i in range(0, len(order), size)]
    if by_length:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches


@dataclass
class TrainingCorpus:
    """Articles given to the Trainer directly: their labels, "don't care" spans and loss
    weights by article id (`unspin adapt`); `tuning` articles are validated on, never trained."""

    docs: list[Document]
    labels: dict[str, list[ptc.Label]]
    ignore: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)


def padded(states: list[torch.Tensor], length: int) -> torch.Tensor:
    """Cached states (each (tokens, hidden)) as one float32 batch, zero-padded to `length`."""
    out = torch.zeros((len(states), length, states[0].shape[-1]))
    for i, s in enumerate(states):
        out[i, : len(s)] = s.float()
    return out


class Trainer:
    """Orchestrates a training run; reports progress through callbacks, never prints.
    `stop()`, asked after every step, ends training early (the epoch so far is validated and
    saved); an exception raised by `on_step` cancels it, leaving the last epoch's checkpoint."""

    def __init__(
        self,
        args: TrainingArguments,
        *,
        on_step: Callable[[int, int, float], None] | None = None,
        on_epoch: Callable[[dict[str, Any]], None] | None = None,
        on_teach: Callable[[int, int], None] | None = None,
        tokenizer: Any = None,
        corpus: TrainingCorpus | None = None,
        stop: Callable[[], bool] | None = None,
    ):
        if (corpus is None) == (args.data is None):
            raise InputError("Give the Trainer either args.data or a corpus, not both.")
        self.corpus = corpus
        self.stop = stop or (lambda: False)
        self.names = tuple(args.techniques or taxonomy.NAMES)
        self.args = args
        self.on_step = on_step or (lambda *_: None)
        self.on_epoch = on_epoch or (lambda _: None)
        self.on_teach = on_teach or (lambda *_: None)
        self.tokenizer = tokenizer
        self.out = Path(args.out)

    def _setup(self) -> None:
        a = self.args
        seed_everything(a.seed)
        torch.set_num_threads(available_cpus())
        encoder, where = build_encoder(
            a.base, a.encoder_config, dropout=a.encoder_dropout, layers=a.layers
        )
        self.base_state = {k: v.detach().clone() for k, v in encoder.state_dict().items()} if a.base else None
        if self.tokenizer is None:
            self.tokenizer = load_tokenizer(self.out / "none", where)
        hidden = encoder.config.hidden_size
        self.net = PropagandaNet(encoder, hidden, len(self.names))
        self.settings = Settings(
            max_len=a.max_len,
            stride=a.stride,
            line_marks=a.line_marks,
            cls_id=special_id(self.tokenizer, "[CLS]", "<s>"),
            sep_id=special_id(self.tokenizer, "[SEP]", "</s>"),
            pad_id=special_id(self.tokenizer, "[PAD]", "<pad>"),
        )

    def _split(self) -> tuple[list[Document], list[Document], dict[str, list[ptc.Label]]]:
        docs, labels = (self.corpus.docs, self.corpus.labels) if self.corpus else load_corpus(self.args.data)
        valid, holdout = set(self.args.tuning_ids), set(self.args.holdout_ids)
        train = [d for d in docs if d.id not in valid and d.id not in holdout]
        dev = [d for d in docs if d.id in valid]
        if self.args.limit:
            train, dev = train[: self.args.limit], dev[: max(1, self.args.limit // 4)]
        return train, dev, labels

    def train(self) -> dict[str, Any]:
        a = self.args
        self._setup()
        train_docs, dev_docs, labels = self._split()
        stats = Stats()
        saw_report = self._saw_report(train_docs)
        teaching = self._teach(train_docs, labels) if a.teacher else {}
        examples = [
            ex
            for d in train_docs
            for ex in build_examples(
                d, labels.get(str(d.id), []), self.tokenizer, self.settings, stats, teaching.get(str(d.id)),
                techniques=self.names,
                ignore=self.corpus.ignore.get(str(d.id)) if self.corpus else None,
                weight=self.corpus.weights.get(str(d.id), 1.0) if self.corpus else 1.0,
            )
        ]
        more, extra_articles = self._extra_examples(stats)
        examples += more
        pseudo_articles = 0
        for folder in a.pseudo:
            for doc, arrays in read_cache(folder):
                taught = from_cache(arrays, self.tokenizer, self.settings.line_marks)
                examples += build_examples(doc, [], self.tokenizer, self.settings, stats, taught, pseudo=True)
                pseudo_articles += 1
        steps_per_epoch = (len(examples) + a.batch_size - 1) // a.batch_size
        found = rare_technique_weights(examples, a.class_weights)
        by_class = None if found is None else torch.from_numpy(found)
        total = steps_per_epoch * a.epochs
        encoder_params = [] if a.freeze_encoder else list(self.net.encoder.parameters())
        head_params = [p for n, p in self.net.named_parameters() if not n.startswith("encoder.")]
        optim = torch.optim.AdamW(
            [
                {"params": encoder_params, "lr": a.lr},
                {"params": head_params, "lr": a.head_lr},
            ],
            weight_decay=a.weight_decay,
        )
        warm = max(1, int(a.warmup * total))
        sched = torch.optim.lr_scheduler.LambdaLR(
            optim, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm)))
        )
        self.out.mkdir(parents=True, exist_ok=True)
        (self.out / "args.json").write_text(json.dumps(asdict(a), indent=2))
        ckpt_path = self.out / "checkpoint.pt"
        start_epoch, best, history = 0, -1.0, []
        if a.init and not (a.resume and ckpt_path.exists()):
            start_from(self.net, load_init(a.init), layers=a.layers)
        if a.resume and ckpt_path.exists():
            ckpt = torch.load(ckpt_path, weights_only=False)
            self.net.load_state_dict(ckpt["net"])
            optim.load_state_dict(ckpt["optim"])
            sched.load_state_dict(ckpt["sched"])
            start_epoch, best, history = ckpt["epoch"], ckpt["best"], ckpt["history"]
        cached = self._encode(examples) if a.freeze_encoder and start_epoch < a.epochs else None
        stopped = False
        for epoch in range(start_epoch, a.epochs):
            self.net.train()
            if cached is not None:
                self.net.encoder.eval()
            batches = batch_order(examples, a.batch_size, a.seed + epoch, by_length=a.length_buckets)
            t0, losses = time.time(), []
            for step in range(steps_per_epoch):
                batch = collate([examples[i] for i in batches[step]], self.settings.pad_id)
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.bf16):
                    if cached is None:
                        states, bio, tech = self.net(batch["ids"], batch["mask"])
                    else:
                        states = padded([cached[i] for i in batches[step]], batch["ids"].shape[1])
                        bio, tech = self.net.heads(states)
                    span_logits = self.net.classify(states, batch["spans"]) if len(batch["spans"]) else None
                alpha = a.distil if a.teacher or a.pseudo else 0.0
                loss = batch_loss(bio, tech, span_logits, batch, alpha=alpha, class_weights=by_class)
                optim.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(self.net.parameters(), 1.0)
                optim.step()
                sched.step()
                losses.append(loss.item())
                self.on_step(epoch * steps_per_epoch + step + 1, total, losses[-1])
                if stopped := self.stop():
                    break
            if cached is not None and not stopped and epoch + 1 < a.epochs:
                self._checkpoint(ckpt_path, optim, sched, epoch + 1, best, history)
                continue  # heads only: validated once, after the last epoch
            self.net.eval()
            backend = TorchBackend(self.net)
            predictor = Predictor(backend, self.tokenizer, self.settings, techniques=self.names)
            figures = validate(predictor, dev_docs, labels)
            record = {
                "epoch": epoch + 1,
                "train_loss": float(np.mean(losses)),
                "seconds": round(time.time() - t0, 1),
                "valid": figures,
                **({"stopped_after_step": step + 1} if stopped else {}),
            }
            history.append(record)
            with open(self.out / "log.jsonl", "a") as log:
                log.write(json.dumps(record) + "\n")
            metric = figures["si"]["f1"] + figures["tc"]["f1"] + figures["flc"]["f1"]
            if metric > best or a.keep == "last":
                best = max(best, metric)
                self.save(
                    self.out / "model",
                    {"validation": figures, "epoch": epoch + 1, provenance.KEY: saw_report},
                )
            self._checkpoint(ckpt_path, optim, sched, epoch + 1, best, history)
            self.on_epoch(record)
            if stopped:
                break
        return {
            "history": history,
            "best": best,
            "examples": len(examples),
            "stats": asdict(stats),
            "train_articles": len(train_docs),
            "extra_articles": extra_articles,
            "pseudo_articles": pseudo_articles,
            "valid_articles": len(dev_docs),
            provenance.KEY: saw_report,
        }

    def _checkpoint(self, path: Path, optim: Any, sched: Any, epoch: int, best: float,
                    history: list[dict[str, Any]]) -> None:
        torch.save({"net": self.net.state_dict(), "optim": optim.state_dict(), "sched": sched.state_dict(),
                    "epoch": epoch, "best": best, "history": history}, path)

    def _encode(self, examples: list[Example]) -> list[torch.Tensor]:
        """Each example's encoder states, computed once (float16) for `freeze_encoder`."""
        self.net.encoder.eval()
        out: list[torch.Tensor] = [torch.empty(0)] * len(examples)
        order = sorted(range(len(examples)), key=lambda k: len(examples[k].input_ids))
        with torch.no_grad():
            for i in range(0, len(order), self.args.batch_size):
                chunk = order[i : i + self.args.batch_size]
                batch = collate([examples[k] for k in chunk], self.settings.pad_id)
                found = self.net.encoder(input_ids=batch["ids"], attention_mask=batch["mask"])
                states = found.last_hidden_state
                for row, k in enumerate(chunk):
                    out[k] = states[row, : len(examples[k].input_ids)].to(torch.float16).clone()
        return out

    def _saw_report(self, train_docs: list[Document]) -> bool | None:
        """Whether the model will have learnt from report-split articles: its own training
        articles, or what its start, teacher or pseudo-label caches record (`provenance`)."""
        a = self.args
        own = bool({str(d.id) for d in train_docs} & set(report_ids()))
        starts = [a.init] if a.init else []
        teachers = [a.teacher] if a.teacher else []
        return provenance.combine([own, *map(provenance.saw_report, [*starts, *teachers, *a.pseudo])])

    def _extra_examples(self, stats: Stats) -> tuple[list[Example], int]:
        """The examples of every article of the extra folders (none is held out, so they must
        not hold PTC's tuning or report articles), with their folder's weight and their
        ignore spans as "don't care"; and the number of articles."""
        a, tok, settings = self.args, self.tokenizer, self.settings
        out, count = [], 0
        for folder, weight in a.extra_folders():
            corpus = read_extra(folder)
            if clash := {str(d.id) for d in corpus.docs} & (set(a.tuning_ids) | set(a.holdout_ids)):
                raise InputError(
                    f"--extra {folder} holds article {min(clash)} of PTC's tuning or report split, "
                    "which is never trained on: leave those articles out of the folder."
                )
            docs = corpus.docs[: a.limit or None]
            for d in docs:
                found, ignore = corpus.labels.get(str(d.id), []), corpus.ignore.get(str(d.id))
                out += build_examples(d, found, tok, settings, stats, ignore=ignore, weight=weight)
            count += len(docs)
        return out, count

    def _teach(self, docs: list[Document], labels: dict[str, list[ptc.Label]]) -> dict[str, Any]:
        """The teacher's soft targets for the training articles (see `distil`), from a
        teacher cache (`unspin model teach`); a model folder is first run over them into the
        run's own cache, OUT/teacher (resumable like the rest of the run)."""
        from unspin.runtime.load import load_predictor
        from unspin.training.teacher import fingerprint, label_cache

        assert self.args.teacher is not None
        cache = Path(self.args.teacher)
        if (cache / "config.json").exists():
            teacher, _ = load_predictor(cache)
            teacher_id = fingerprint(cache)
            cache = self.out / "teacher"
            label_cache(teacher, docs, cache, labels=labels, track=self.on_teach, teacher_id=teacher_id,
                        saw_report=provenance.saw_report(self.args.teacher))
        wanted = {str(d.id) for d in docs}
        cached = {
            doc.id: from_cache(arrays, self.tokenizer, self.settings.line_marks)
            for doc, arrays in read_cache(cache)
            if doc.id in wanted
        }
        if missing := wanted - set(cached):
            raise InputError(
                f"The teacher cache {cache} lacks {len(missing)} training articles "
                f"(for example {sorted(missing)[0]}): run `unspin model teach` over them first."
            )
        return cached

    def save(self, folder: Path, extra: dict[str, Any]) -> Path:
        return weights.save(
            self.net,
            folder,
            base=self.args.base,
            base_state=self.base_state,
            settings=self.settings,
            extra={**extra, **({"technique_info": info} if (info := self.args.technique_info) else {})},
            encoder_config=self.args.encoder_config,
            tokenizer=self.tokenizer if self.args.base is None else None,
            layers=self.args.layers,
            techniques=self.names,
        )
