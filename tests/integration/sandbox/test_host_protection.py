"""Where runs share the grading process's uid (rlimits alone as non-root, AWS Lambda), the
grading process makes itself non-dumpable so its /proc files and memory stay out of reach."""

from __future__ import annotations

import subprocess
import sys


def test_protect_this_process_makes_it_non_dumpable() -> None:
    script = (
        "import ctypes\n"
        "from assessment_engine.sandbox.pool import protect_this_process\n"
        "libc = ctypes.CDLL(None)\n"
        "before = libc.prctl(3, 0, 0, 0, 0)\n"  # PR_GET_DUMPABLE
        "protect_this_process()\n"
        "print(before, libc.prctl(3, 0, 0, 0, 0))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=30
    )
    assert out.stdout.split() == ["1", "0"]
