"""Integration tests of the sandbox with real processes: hostile submissions, grading."""
