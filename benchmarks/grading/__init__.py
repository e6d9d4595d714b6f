"""Grading benchmark: question-gradings per second per core (``python -m benchmarks.grading``)."""
