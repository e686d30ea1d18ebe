"""Writing a model folder's encoder to ONNX (fp32 fused, int8, int8 with outlier channels); needs torch."""
