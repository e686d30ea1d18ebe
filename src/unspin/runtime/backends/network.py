"""The torch network: one encoder pass feeds a BIO span tagger, a per-token technique
head (used to explain), and a technique classifier over span representations."""

from __future__ import annotations

import torch
from torch import nn

N_TAGS = 3
N_LEN_BUCKETS = 8
N_REPEAT_BUCKETS = 3


class SpanHead(nn.Module):
    """Technique logits for a span: its first, last and mean token, the window's [CLS]
    as context, and embeddings of its length and of how often it repeats in the text."""

    def __init__(self, hidden: int, n_techniques: int, *, width: int = 256, dropout: float = 0.1):
        super().__init__()
        self.length = nn.Embedding(N_LEN_BUCKETS, 16)
        self.repeat = nn.Embedding(N_REPEAT_BUCKETS, 16)
        self.mlp = nn.Sequential(
            nn.Linear(4 * hidden + 32, width),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(width, n_techniques),
        )

    def forward(self, states: torch.Tensor, spans: torch.Tensor) -> torch.Tensor:
        """`states` (batch, seq, hidden); `spans` (k, 5) rows of window index, first and
        last token (inclusive, window positions), length and repeat buckets."""
        win, first, last = spans[:, 0], spans[:, 1], spans[:, 2]
        seq = states.shape[1]
        pos = torch.arange(seq, device=states.device)
        inside = ((pos[None, :] >= first[:, None]) & (pos[None, :] <= last[:, None])).to(states.dtype)
        chosen = states[win]  # (k, seq, hidden)
        mean = (chosen * inside[..., None]).sum(1) / inside.sum(1, keepdim=True).clamp(min=1)
        rep = torch.cat(
            [
                chosen[torch.arange(len(win)), first],
                chosen[torch.arange(len(win)), last],
                mean,
                chosen[:, 0],
                self.length(spans[:, 3]),
                self.repeat(spans[:, 4]),
            ],
            dim=-1,
        )
        return self.mlp(rep)


class PropagandaNet(nn.Module):
    """Encoder plus the three heads. `forward` returns hidden states, BIO logits and
    per-token technique logits; `classify` labels spans from those hidden states."""

    def __init__(self, encoder: nn.Module, hidden: int, n_techniques: int, *, dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.tagger = nn.Linear(hidden, N_TAGS)
        self.token_techniques = nn.Linear(hidden, n_techniques)
        self.span_head = SpanHead(hidden, n_techniques, dropout=dropout)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return states, *self.heads(states)

    def heads(self, states: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """BIO and per-token technique logits from hidden states (the encoder's, or cached)."""
        dropped = self.dropout(states)
        return self.tagger(dropped), self.token_techniques(dropped)

    def classify(self, states: torch.Tensor, spans: torch.Tensor) -> torch.Tensor:
        return self.span_head(self.dropout(states), spans)
