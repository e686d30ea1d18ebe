"""Decoding: per-token probabilities to the spans, techniques and cues readers see."""
