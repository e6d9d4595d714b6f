"""Ingest benchmark: a deadline surge of submissions against the real API and Redis.

``python -m benchmarks.ingest`` (see ``__main__``); results in ``RESULTS.md`` next to this file.
"""
