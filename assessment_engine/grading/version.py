"""``GRADER_VERSION``: names the grading code that produced a stored result.

It changes whenever a change could alter any score. Every grader (``engine`` for the native
types, ``code`` for programming questions) stamps it into its ``Grade``; the dispatcher refuses
spilled results of another version. Its own module so that no grader imports another for it.
"""

from __future__ import annotations

GRADER_VERSION = "2026.11.1"
