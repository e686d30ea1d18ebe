"""An ensemble of models over the same tokenizer: BIO and token-technique logits are
averaged; each member's span head sees its own hidden states (concatenated along the
hidden axis by `encode` and split again by `classify`), and their logits are averaged.

A folder is an ensemble when its config.json has `"ensemble": ["a", "b", ...]`, naming
member model folders inside it; its `settings` and `second_threshold` apply to the whole.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from unspin.models.predictor import Backend


class EnsembleBackend:
    def __init__(self, members: Sequence[Backend]):
        if not members:
            raise ValueError("An ensemble needs at least one member.")
        self.members = list(members)
        self.widths: list[int] = []

    def encode(self, input_ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        outs = [m.encode(input_ids, mask) for m in self.members]
        self.widths = [o[0].shape[-1] for o in outs]
        states = np.concatenate([o[0] for o in outs], axis=-1)
        bio = np.mean([o[1] for o in outs], axis=0)
        tech = np.mean([o[2] for o in outs], axis=0)
        return states, bio, tech

    def classify(self, states: np.ndarray, spans: np.ndarray) -> np.ndarray:
        cuts = np.cumsum(self.widths)[:-1]
        parts = np.split(states, cuts, axis=-1)
        return np.mean(
            [m.classify(np.ascontiguousarray(p), spans) for m, p in zip(self.members, parts, strict=True)],
            axis=0,
        )
