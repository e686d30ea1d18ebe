"""Helpers for tests and development: a tiny random-init model."""
