"""Backends that run the encoder: onnxruntime (the default, no torch) and torch."""
