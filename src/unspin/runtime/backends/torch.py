"""The torch backend of `Predictor`: the network on the CPU, under no_grad."""

from __future__ import annotations

import numpy as np
import torch

from unspin.runtime.backends.network import PropagandaNet


class TorchBackend:
    workers = 1  # one window at a time, on torch's own threads

    def __init__(self, net: PropagandaNet, *, threads: int | None = None):
        """`threads`: torch's intra-op threads for this process (None leaves them as they are)."""
        self.net = net.eval()
        if threads:
            torch.set_num_threads(max(1, int(threads)))

    @torch.no_grad()
    def encode(self, input_ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        states, bio, tech = self.net(torch.from_numpy(input_ids), torch.from_numpy(mask))
        return states.float().numpy(), bio.float().numpy(), tech.float().numpy()

    @torch.no_grad()
    def classify(self, states: np.ndarray, spans: np.ndarray) -> np.ndarray:
        return self.net.classify(torch.from_numpy(states), torch.from_numpy(spans)).float().numpy()
