"""Corpus runs: import documents into the store, analyze them in batches, export statistics.

    unspin corpus import PATH...          ->  batch.importer.import_paths
    unspin batch [--engine local|ray]     ->  batch.run.run_batch
    unspin corpus stats / export          ->  batch.export (over store.queries)

Engines are imported lazily: `local` uses `Analyzer.pipe` in this process; `ray` runs the
same analysis with Ray Data over an actor pool, the model loaded once per actor.
"""
