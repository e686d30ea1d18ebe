"""Corpus batch throughput on 1,000-word articles: `unspin batch --engine local` (through the
store) against `Analyzer.analyze` in a loop, and `--engine ray` (2 actors) with its overhead.

    .venv/bin/python benchmarks/corpus_throughput.py --docs 60             # tiny random model
    .venv/bin/python benchmarks/corpus_throughput.py --model PATH --docs 60 --ray

Without --model it builds a random-init model with the shipped model's geometry (MiniLM-L12-H384,
256-token windows), so the compute is realistic while spans are random; `--size tiny` builds the
test model instead (figures then measure overheads only). Pass a trained model for real figures.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def articles(n: int, words: int = 1000) -> list[str]:
    """`n` distinct ~1,000-word articles built from the repository's example article."""
    source = (ROOT / "examples" / "article.txt").read_text(encoding="utf-8")
    base = [line for line in source.split("\n") if line]
    out = []
    for k in range(n):
        lines, count, i = [f"Report {k}."], 0, k
        while count < words:
            line = base[i % len(base)]
            lines.append(line)
            count += len(line.split())
            i += 1
        out.append("\n".join(lines))
    return out


MINILM = {"model_type": "bert", "hidden_size": 384, "num_hidden_layers": 12, "num_attention_heads": 12,
          "intermediate_size": 1536, "max_position_embeddings": 512}


def build_minilm_sized(folder: Path, threshold: float) -> str:
    """A random-init model with MiniLM-L12-H384 geometry (the shipped model's compute), 256-token windows."""
    import torch

    from unspin import taxonomy
    from unspin.runtime.backends.network import PropagandaNet
    from unspin.runtime.settings import Settings
    from unspin.testing.tiny import tiny_tokenizer
    from unspin.training import weights as artifact

    torch.manual_seed(0)
    tok = tiny_tokenizer([t.definition + " " + t.example for t in taxonomy.TECHNIQUES] * 3)
    config = dict(MINILM, vocab_size=tok.get_vocab_size())
    encoder, _ = artifact.build_encoder(None, config)
    net = PropagandaNet(encoder, MINILM["hidden_size"], len(taxonomy.NAMES))
    settings = Settings(max_len=256, stride=192, threshold=threshold, cls_id=tok.token_to_id("[CLS]"),
                        sep_id=tok.token_to_id("[SEP]"), pad_id=tok.token_to_id("[PAD]"))
    return str(artifact.save(net, folder, base=None, base_state=None, settings=settings,
                             extra={"name": "minilm-sized-random"}, encoder_config=config, tokenizer=tok))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=None, help="model folder (default: build one, see --size)")
    parser.add_argument("--size", choices=["tiny", "minilm"], default="minilm",
                        help="random-init model to build without --model: tiny, or MiniLM-L12-H384 geometry")
    parser.add_argument("--threshold", type=float, default=0.5, help="span threshold of the built model")
    parser.add_argument("--docs", type=int, default=60)
    parser.add_argument("--ray", action="store_true", help="also run the ray engine (2 actors)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--words", type=int, default=1000, help="words per article (50 = social-media posts)")
    args = parser.parse_args()

    import torch

    import unspin
    from unspin.batch.run import BatchSettings, run_batch
    from unspin.doc import Document
    from unspin.store import Store

    tmp = Path(tempfile.mkdtemp())
    model = args.model
    if model is None and args.size == "tiny":
        from unspin.testing.tiny import build_tiny_model

        model = str(build_tiny_model(tmp / "tiny", threshold=args.threshold))
    elif model is None:
        model = build_minilm_sized(tmp / "minilm", args.threshold)
    analyzer = unspin.load(model)
    texts = articles(args.docs, args.words)
    analyzer.analyze(texts[0])  # warm up
    out: dict[str, object] = {"model": analyzer.name, "docs": len(texts), "words_per_doc": args.words,
                              "torch_threads": torch.get_num_threads()}
    out["spans_per_doc"] = round(sum(len(a.spans) for a in analyzer.pipe(texts[:3])) / 3, 1)

    began = time.perf_counter()
    for text in texts:
        analyzer.analyze(text)
    loop_s = time.perf_counter() - began
    out["analyze_loop_docs_per_s"] = round(len(texts) / loop_s, 2)

    began = time.perf_counter()
    for _ in analyzer.pipe(texts, batch_size=args.batch_size):
        pass
    pipe_s = time.perf_counter() - began
    out["pipe_docs_per_s"] = round(len(texts) / pipe_s, 2)

    def batch_run(engine: str) -> dict[str, object]:
        store = Store.open(tmp / f"{engine}.db")
        store.add_documents([Document(t, meta={"source": f"s{i % 5}"}) for i, t in enumerate(texts)])
        settings = BatchSettings(engine=engine, batch_size=64, window_batch=args.batch_size, actors=2)
        return run_batch(store, analyzer, settings=settings, model_path=model)

    local = batch_run("local")
    out["batch_local_docs_per_s"] = local["docs_per_s"]
    out["batch_local_vs_analyze_loop"] = round(float(local["docs_per_s"]) / (len(texts) / loop_s), 2)
    if args.ray:
        from unspin.batch.engines.ray import connect

        began = time.perf_counter()
        connect(None, 2)
        out["ray_init_s"] = round(time.perf_counter() - began, 2)
        ray_run = batch_run("ray")
        out["batch_ray_docs_per_s"] = ray_run["docs_per_s"]
        out["batch_ray_seconds"] = ray_run["seconds"]
        out["batch_local_seconds"] = local["seconds"]
        out["ray_overhead_s"] = round(float(ray_run["seconds"]) - float(local["seconds"]), 2)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
