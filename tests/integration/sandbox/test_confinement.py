"""Kernel-enforced confinement that holds with the audit hook switched off by the run itself.

Each test starts with the one line that defeated the hook (``_audit.isinstance`` replaced, so its
``open()`` check passes everything) and then attacks: files outside the run dir, other runs'
directories, the grader's ``/proc`` entries, the verdict channel. Parametrised over every layer
this host offers (``layered_pool``). ``test_the_hook_bypass_really_disables_the_hook`` shows
the bypass works, so the other tests cannot pass because of the hook.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from assessment_engine.sandbox import RunLimits, RunRequest, SandboxPool
from tests.integration.sandbox.helpers import FAST, assert_healthy, run

REPO_FILE = Path(__file__).resolve().parents[3] / "pyproject.toml"
BYPASS = (
    "import sys\n"
    "try:\n"
    "    sys._getframe(1).f_globals['_audit'].isinstance = lambda *a: False\n"
    "except Exception as exc:\n"
    "    print('bypass failed', type(exc).__name__)\n"
)
PROBE = BYPASS + (
    "import os\n"
    "def attempt(path, write):\n"
    "    try:\n"
    "        if write:\n"
    "            with open(path, 'w') as fh:\n"
    "                fh.write('x')\n"
    "        else:\n"
    "            with open(path, 'rb') as fh:\n"
    "                fh.read(64)\n"
    "        print('REACHED', path)\n"
    "    except OSError:\n"
    "        print('refused', path)\n"
)


def _attack(pool: SandboxPool, body: str, **kw: object) -> str:
    result = run(pool, PROBE + body, **kw)  # type: ignore[arg-type]
    assert result.outcome == "ok", result
    return result.stdout


def test_the_hook_bypass_really_disables_the_hook() -> None:
    """With Landlock off on the rlimit layer, the bypass reads /etc/passwd: the hook is gone."""
    pool = SandboxPool(1, "rlimit")
    try:
        result = pool.run(
            RunRequest(source=PROBE + "attempt('/etc/passwd', False)", landlock=False, limits=FAST)
        )
    finally:
        pool.close()
    assert "REACHED /etc/passwd" in result.stdout


@pytest.mark.parametrize(
    ("path", "write"),
    [
        ("/etc/passwd", False),
        ("/proc/1/cmdline", False),
        (str(REPO_FILE), False),
        ("/tmp/sbx-confinement-probe", True),
        ("/dev/shm/sbx-confinement-probe", True),
    ],
)
def test_files_outside_the_run_dir_are_refused_with_the_hook_off(
    layered_pool: SandboxPool, path: str, write: bool
) -> None:
    out = _attack(layered_pool, f"attempt({path!r}, {write})")
    assert f"refused {path}" in out
    assert "REACHED" not in out
    assert not os.path.exists(path) or not write
    assert_healthy(layered_pool)


def test_tmp_is_not_writable_through_umask_mkdir_and_rename(layered_pool: SandboxPool) -> None:
    body = (
        "os.umask(0)\n"
        "os.mkdir('d', 0o777)\n"
        "try:\n"
        "    os.rename('d', '/tmp/sbx-escaped-dir')\n"
        "    print('REACHED rename')\n"
        "except OSError:\n"
        "    print('refused rename')\n"
    )
    assert "refused rename" in _attack(layered_pool, body)
    assert not os.path.exists("/tmp/sbx-escaped-dir")


def test_grader_proc_entries_are_unreadable(layered_pool: SandboxPool) -> None:
    """Finding 2: the parent's environ and memory (secrets, expected outputs) are out of reach."""
    body = (
        "ppid = os.getppid()\n"
        f"for pid in {{ppid, 1, {os.getpid()}}}:\n"
        "    attempt(f'/proc/{pid}/environ', False)\n"
        "    attempt(f'/proc/{pid}/mem', False)\n"
        "    attempt(f'/proc/{pid}/maps', False)\n"
    )
    out = _attack(layered_pool, body, defence="seccomp-only")
    assert "REACHED" not in out, out


def test_mkfifo_mknod_socket_setsid_are_refused(layered_pool: SandboxPool) -> None:
    body = (
        "import socket\n"
        "for name, call in [\n"
        "    ('mkfifo', lambda: os.mkfifo('fifo')),\n"
        "    ('mknod', lambda: os.mknod('node')),\n"
        "    ('unix', lambda: socket.socket(socket.AF_UNIX)),\n"
        "    ('inet', lambda: socket.socket(socket.AF_INET)),\n"
        "    ('netlink', lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW)),\n"
        "    ('pair', lambda: socket.socketpair()),\n"
        "    ('setsid', os.setsid),\n"
        "]:\n"
        "    try:\n"
        "        call()\n"
        "        print('REACHED', name)\n"
        "    except OSError:\n"
        "        print('refused', name)\n"
    )
    result = run(layered_pool, PROBE + body, defence="seccomp-only")
    if not layered_pool.seccomp:
        pytest.skip("the kernel refuses seccomp filters here")
    assert "REACHED" not in result.stdout, result.stdout
    assert result.stdout.count("refused") == 7


def test_fork_is_refused_by_the_kernel_when_one_process_is_allowed(
    layered_pool: SandboxPool,
) -> None:
    source = (
        "import os\n"
        "try:\n    os.fork()\n    print('REACHED fork')\n"
        "except OSError as exc:\n    print('refused fork', exc.errno)\n"
    )
    result = run(layered_pool, source, defence="seccomp-only")
    assert result.stdout.startswith("refused fork"), result
    if layered_pool.seccomp:  # EPERM from the filter (RLIMIT_NPROC alone would give EAGAIN)
        assert result.stdout.split() == ["refused", "fork", "1"], result


def test_forged_deep_report_is_a_runtime_error(layered_pool: SandboxPool) -> None:
    """Finding 6: a forged verdict channel is this run's runtime error, never an exception."""
    source = "import os\nos.write(4, b'[' * 100000)\nos._exit(0)\n"
    result = run(layered_pool, source)
    assert result.outcome in ("runtime_error", "output_limit")
    result = run(layered_pool, "import os\nos.write(4, b'[' * 3000)\nos._exit(0)\n")
    assert result.outcome == "runtime_error"
    assert_healthy(layered_pool)


def test_a_run_cannot_write_into_a_concurrent_runs_directory(layered_pool: SandboxPool) -> None:
    """Finding 5 (shared uid): Landlock grants each run only its own directory."""
    victim = (
        "import os, time\nprint(os.getcwd(), flush=True)\n"
        "time.sleep(1.2)\nprint(sorted(os.listdir('.')))\n"
    )
    results: dict[str, object] = {}

    def victim_run() -> None:
        limits = RunLimits(cpu_seconds=1.0, wall_seconds=3.0, memory_mb=64)
        results["victim"] = run(layered_pool, victim, limits=limits)

    thread = threading.Thread(target=victim_run)
    thread.start()
    attacker = BYPASS + (
        "import os, time\nhits = []\n"
        "for _ in range(40):\n"
        "    parent = os.path.dirname(os.getcwd())\n"
        "    try:\n        names = os.listdir(parent)\n    except OSError:\n        names = []\n"
        "    names += [f'run-{i}' for i in range(1, 50)]\n"
        "    for name in names:\n"
        "        target = os.path.join(parent, name)\n"
        "        if target == os.getcwd():\n            continue\n"
        "        try:\n"
        "            with open(os.path.join(target, 'planted'), 'w') as fh:\n"
        "                fh.write('x')\n"
        "            hits.append(target)\n"
        "        except OSError:\n            pass\n"
        "    time.sleep(0.02)\n"
        "print('hits', len(hits))\n"
    )
    attack = run(layered_pool, attacker, defence="seccomp-only")
    thread.join()
    assert attack.stdout.strip().endswith("hits 0"), attack
    victim_result = results["victim"]
    assert "planted" not in victim_result.stdout  # type: ignore[attr-defined]
