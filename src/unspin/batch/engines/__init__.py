"""Batch engines: each turns an iterator of Documents into an iterator of Analyses."""
