"""Training (torch): arguments, the trainer, examples and losses, teacher caches,
pretraining, and writing weights (save, shrink, soup)."""
