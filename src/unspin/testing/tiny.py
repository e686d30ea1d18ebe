"""A tiny random-init model (WordPiece trained on a few sentences, a 2-layer BERT):
for tests and for developing the surfaces without the trained model."""

from __future__ import annotations

from pathlib import Path

import torch
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

from unspin import taxonomy
from unspin.runtime.backends.network import PropagandaNet
from unspin.runtime.settings import Settings
from unspin.training import weights as artifact

TINY_ENCODER = {
    "model_type": "bert",
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "max_position_embeddings": 128,
}


def tiny_tokenizer(texts: list[str], *, vocab_size: int = 400) -> Tokenizer:
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    )
    tok.train_from_iterator(texts, trainer)
    return tok


def build_tiny_model(
    folder: str | Path, *, seed: int = 0, threshold: float = 0.5, vocab_size: int = 400
) -> Path:
    """Write a random-init model to `folder` and return it; loads with `unspin.load`."""
    torch.manual_seed(seed)
    corpus = [t.definition + " " + t.example for t in taxonomy.TECHNIQUES] * 3
    tok = tiny_tokenizer(corpus, vocab_size=vocab_size)
    config = dict(TINY_ENCODER, vocab_size=tok.get_vocab_size())
    encoder, _ = artifact.build_encoder(None, config)
    net = PropagandaNet(encoder, TINY_ENCODER["hidden_size"], len(taxonomy.NAMES))
    settings = Settings(
        max_len=64,
        stride=48,
        threshold=threshold,
        cls_id=tok.token_to_id("[CLS]"),
        sep_id=tok.token_to_id("[SEP]"),
        pad_id=tok.token_to_id("[PAD]"),
    )
    return artifact.save(
        net,
        folder,
        base=None,
        base_state=None,
        settings=settings,
        extra={"name": "tiny-random"},
        encoder_config=config,
        tokenizer=tok,
    )
