"""Rolling data releases: selection, privacy, pseudonyms, Parquet/JSONL, dataset card.

The package root imports nothing from Django so that ``python -m releases.verify`` runs on a
machine that only has the release directory.
"""
