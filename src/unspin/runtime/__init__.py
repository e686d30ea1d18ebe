"""Inference: the model folder, loading, windows, backends, decoding and calibration applied.

Imports neither `unspin.tuning` nor `unspin.training`; torch only in `backends.torch`,
`backends.network`, `backends.weights` and `export` (analyzing with the ONNX backend needs
no torch)."""
