"""Hostile submissions: each is contained, graded with a clear reason, and leaves the host and
other runs unaffected. Parametrised over the isolation layers of this host and, where the OS
layers must hold on their own, with the CPython audit hook switched off.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import time
from pathlib import Path

import pytest

from assessment_engine.sandbox import RunLimits, RunRequest, SandboxPool
from tests.integration.sandbox.helpers import (
    FAST,
    HEALTHY,
    assert_healthy,
    run,
    runs_as_root_host,
)

REPO_FILE = Path(__file__).resolve().parents[3] / "pyproject.toml"
# "all": every layer; "seccomp-only": no audit hook; "os-only": neither hook nor seccomp filter,
# so the namespace/rlimit layer must hold on its own.
DEFENCES = ["all", "seccomp-only", "os-only"]
defences = pytest.mark.parametrize("defence", DEFENCES)


def _uid_processes(uid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    pids.append(int(entry))
            except OSError:
                pass
    return pids


def _gap(pool: SandboxPool, defence: str, what: str, *, seccomp_covers: bool = False) -> None:
    if pool.layer != "rlimit" or defence == "all":
        return
    if defence == "os-only" or not seccomp_covers:
        pytest.skip(f"documented gap of the rlimit layer: {what} (docs/sandbox.md)")


@defences
def test_fork_bomb_is_refused(layered_pool: SandboxPool, defence: str) -> None:
    result = run(layered_pool, "import os\nwhile True:\n    os.fork()", defence=defence)
    assert result.outcome == "runtime_error"
    assert result.error_type in ("PermissionError", "BlockingIOError")
    assert_healthy(layered_pool)


def test_fork_bomb_with_processes_allowed_is_bounded_and_reaped(layered_pool: SandboxPool) -> None:
    source = (
        "import os, time\nprint(os.getuid(), flush=True)\nn = 0\n"
        "for _ in range(200):\n"
        "    try:\n        pid = os.fork()\n    except OSError:\n        break\n"
        "    if pid == 0:\n        time.sleep(60)\n        os._exit(0)\n    n += 1\n"
        "print(n, flush=True)\nwhile True:\n    pass\n"
    )
    limits = RunLimits(cpu_seconds=1.0, wall_seconds=1.5, memory_mb=64, processes=4)
    result = run(layered_pool, source, defence="seccomp-only", limits=limits)
    uid, forks = (int(x) for x in result.stdout.split())
    assert result.outcome == "time_limit"
    # RLIMIT_NPROC holds even when the host runs us as root: the run itself is one of the 4;
    # the kernel counts every live process of the uid, so one still being reaped from the
    # previous run may take a slot (CI saw 2)
    assert 1 <= forks <= 3
    if runs_as_root_host(layered_pool):
        assert uid != 0
        deadline = time.monotonic() + 2
        while _uid_processes(uid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _uid_processes(uid) == []  # every process of the run was killed
    assert_healthy(layered_pool)


def test_runs_never_execute_as_root(layered_pool: SandboxPool) -> None:
    source = "import os\nprint(os.getuid(), os.geteuid(), os.getgroups())"
    uid, euid, groups = run(layered_pool, source).stdout.split(maxsplit=2)
    if runs_as_root_host(layered_pool):
        assert (uid, euid, groups) != ("0", "0", "[]")
        assert "0" not in (uid, euid)
        assert groups.strip() == "[]"
    # whatever the uid, no capability is left: nothing can be mounted or chrooted
    source = (
        "import ctypes\nlibc = ctypes.CDLL(None)\n"
        "print(libc.mount(b'none', b'/usr', b'tmpfs', 0, None), libc.chroot(b'/'))"
    )
    assert run(layered_pool, source, defence="os-only").stdout.split() == ["-1", "-1"]


@defences
def test_memory_bomb_hits_the_memory_limit(layered_pool: SandboxPool, defence: str) -> None:
    for source in ("x = bytearray(2 << 30)", "x = []\nwhile True:\n    x.append('a' * 10**6)"):
        result = run(layered_pool, source, defence=defence)
        assert result.outcome == "memory_limit", result
        assert "64 MB" in result.reason
    assert_healthy(layered_pool)


def test_infinite_loop_hits_the_time_limit(layered_pool: SandboxPool) -> None:
    limits = RunLimits(cpu_seconds=0.5, wall_seconds=3.0)
    result = run(layered_pool, "while True:\n    pass", limits=limits)
    assert result.outcome == "time_limit"
    assert result.wall_seconds < 4.5
    assert_healthy(layered_pool)


CPU_BURNERS = {
    "busy loop": "while True:\n    pass",
    "ignores SIGXCPU": (
        "import signal\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\nwhile True:\n    pass"
    ),
    "blocks SIGXCPU": (
        "import signal\nsignal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGXCPU})\n"
        "while True:\n    pass"
    ),
    "burns in threads": (  # _thread is built in: importable where the stdlib dir is not
        "import _thread\ndef spin():\n    while True:\n        pass\n"
        "for _ in range(3):\n    _thread.start_new_thread(spin, ())\nspin()"
    ),
}


@defences
@pytest.mark.parametrize("burner", list(CPU_BURNERS))
def test_fractional_cpu_limit_is_enforced_close_to_the_limit(
    layered_pool: SandboxPool, defence: str, burner: str
) -> None:
    """RLIMIT_CPU alone would let a 0.5 s program burn 1-2 s (whole seconds; SIGXCPU ignorable,
    and ignored by pid 1 of a PID namespace); the zygote's CPU watch kills it at the limit.
    Measured as the run's CPU time from the kernel, so machine load does not matter."""
    processes = 4 if "threads" in burner else 1  # threads count against RLIMIT_NPROC
    limits = RunLimits(cpu_seconds=0.5, wall_seconds=10.0, processes=processes)
    result = run(layered_pool, CPU_BURNERS[burner], defence=defence, limits=limits)
    assert result.outcome == "time_limit", result
    assert "CPU time limit of 0.5 s" in result.reason
    assert 0.5 <= result.cpu_seconds <= 0.5 + 0.3, result
    assert_healthy(layered_pool)


def test_program_just_under_the_cpu_limit_is_not_killed(layered_pool: SandboxPool) -> None:
    source = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.2:\n    pass"
    result = run(layered_pool, source, limits=RunLimits(cpu_seconds=0.5, wall_seconds=10.0))
    assert result.outcome == "ok", result
    assert result.cpu_seconds < 0.5


def test_sleeping_past_the_wall_limit_is_killed(layered_pool: SandboxPool) -> None:
    result = run(layered_pool, "import time\ntime.sleep(30)")
    assert result.outcome == "time_limit"
    assert "wall-clock" in result.reason
    assert result.wall_seconds < FAST.wall_seconds + 1.5
    assert_healthy(layered_pool)


@pytest.mark.parametrize("stream", ["sys.stdout", "sys.stderr"])
def test_huge_output_is_cut_and_killed(layered_pool: SandboxPool, stream: str) -> None:
    result = run(layered_pool, f"import sys\nwhile True:\n    print('x' * 1000, file={stream})")
    assert result.outcome == "output_limit"
    assert len(result.stdout) <= FAST.output_bytes
    assert_healthy(layered_pool)


@defences
@pytest.mark.parametrize("path", ["/etc/shadow", "/proc/1/environ", str(REPO_FILE)])
def test_host_files_cannot_be_read(layered_pool: SandboxPool, defence: str, path: str) -> None:
    if path == str(REPO_FILE):
        _gap(layered_pool, defence, "world-readable host files")
    result = run(layered_pool, f"print(open({path!r}, 'rb').read()[:200])", defence=defence)
    assert result.outcome == "runtime_error", result
    assert result.error_type in ("PermissionError", "FileNotFoundError")
    assert result.stdout == ""
    assert str(Path(path).parent) not in result.traceback.replace(path, "")


def test_environment_is_empty_of_host_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake-secret-4711")
    monkeypatch.setenv("DATABASE_PASSWORD", "fake-secret-4712")
    pool = SandboxPool(1)  # zygotes started after the secrets were set
    try:
        result = run(pool, "import os, json\nprint(json.dumps(dict(os.environ)))")
    finally:
        pool.close()
    env = json.loads(result.stdout)
    assert "fake-secret" not in result.stdout
    assert set(env) <= {"PYTHONHASHSEED", "PYTHONUTF8", "PYTHONIOENCODING", "LC_CTYPE"}
    assert "HOME" not in env


@defences
def test_writing_outside_the_work_dir_fails(
    layered_pool: SandboxPool, defence: str, tmp_path: Path
) -> None:
    targets = [str(tmp_path / "owned"), str(REPO_FILE.parent / "owned-by-sandbox")]
    if layered_pool.layer != "rlimit" or defence == "all":  # world-writable /tmp: rlimit gap
        targets.append(f"/tmp/sandbox-escape-{os.getpid()}")
    for target in targets:
        result = run(layered_pool, f"open({target!r}, 'w').write('x')", defence=defence)
        assert result.outcome == "runtime_error", (target, result)
        assert not os.path.exists(target)


def test_work_dir_is_private_and_removed(layered_pool: SandboxPool) -> None:
    first = run(layered_pool, "import os\nopen('x.txt', 'w').write('hi')\nprint(os.getcwd())")
    second = run(layered_pool, "import os\nprint(os.listdir('.'))")
    assert first.outcome == second.outcome == "ok"
    assert second.stdout == "[]\n"
    if layered_pool.layer == "rlimit":  # a host path: it must be gone
        assert not os.path.exists(first.stdout.strip())


@defences
def test_network_connection_to_the_host_fails(layered_pool: SandboxPool, defence: str) -> None:
    _gap(layered_pool, defence, "network without a namespace", seccomp_covers=True)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        source = (
            "import socket\ns = socket.socket()\ns.settimeout(1)\n"
            f"s.connect(('127.0.0.1', {port}))\nprint('CONNECTED')"
        )
        result = run(layered_pool, source, defence=defence)
        listener.settimeout(0.2)
        with pytest.raises(TimeoutError):
            listener.accept()
    assert result.outcome == "runtime_error"
    assert "CONNECTED" not in result.stdout


@defences
@pytest.mark.parametrize(
    "source",
    [
        "import os\nprint(os.system('echo PWNED'))",
        "import subprocess\nprint(subprocess.run(['/bin/sh', '-c', 'echo PWNED']))",
        "import pty\npty.spawn(['/bin/sh', '-c', 'echo PWNED'])",
    ],
    ids=["os.system", "subprocess", "pty"],
)
def test_shells_cannot_be_spawned(layered_pool: SandboxPool, defence: str, source: str) -> None:
    result = run(layered_pool, source, defence=defence)
    assert "PWNED" not in result.stdout
    assert_healthy(layered_pool)


@pytest.mark.parametrize("defence", ["all", "seccomp-only"])
def test_exec_of_a_shell_is_refused(layered_pool: SandboxPool, defence: str) -> None:
    if defence == "seccomp-only" and not layered_pool.seccomp:
        pytest.skip("this kernel refuses seccomp filters")
    result = run(
        layered_pool, "import os\nos.execv('/bin/sh', ['sh', '-c', 'echo PWNED'])", defence=defence
    )
    assert result.outcome == "runtime_error"
    assert "PWNED" not in result.stdout
    blocked_by = "os.exec is not allowed" if defence == "all" else "Operation not permitted"
    assert blocked_by in result.traceback


def test_seccomp_filter_is_active_where_the_kernel_allows(layered_pool: SandboxPool) -> None:
    assert layered_pool.seccomp  # this host's kernel takes filters: a silent loss would fail here
    source = (
        "import ctypes\nlibc = ctypes.CDLL(None)\n"
        "print(libc.socket(2, 1, 0), libc.ptrace(0, 0, 0, 0), libc.unshare(0x20000))"
    )
    assert run(layered_pool, source, defence="seccomp-only").stdout.split() == ["-1"] * 3


def test_ctypes_is_blocked_by_the_audit_hook(layered_pool: SandboxPool) -> None:
    result = run(layered_pool, "import ctypes\nprint(ctypes.CDLL(None).getpid())")
    assert result.outcome == "runtime_error"
    assert "ctypes" in result.traceback


def test_ctypes_without_the_hook_gains_no_privilege(layered_pool: SandboxPool) -> None:
    source = (
        "import ctypes\nlibc = ctypes.CDLL(None)\n"
        "print(libc.unshare(0x40000000), libc.chroot(b'/'),\n"
        "      libc.setuid(0) if libc.getuid() else -1)"
    )
    result = run(layered_pool, source, defence="os-only")
    assert result.stdout.split() == ["-1", "-1", "-1"], result


@defences
def test_signals_cannot_reach_the_parent(layered_pool: SandboxPool, defence: str) -> None:
    source = (
        "import os, signal\n"
        f"for target in (os.getppid(), {os.getpid()}, -1, 1):\n"
        "    try:\n        os.kill(target, signal.SIGKILL)\n    except Exception:\n        pass\n"
        "try:\n    os.killpg(os.getpgid(0), signal.SIGKILL)\nexcept Exception:\n    pass\n"
    )
    run(layered_pool, source, defence=defence)
    assert_healthy(layered_pool)  # the test process, the zygote and the pool survive


def test_closing_and_abusing_the_standard_streams(layered_pool: SandboxPool) -> None:
    garbage = run(layered_pool, "import os\nos.write(1, b'ok \\xff\\xfe\\n')")
    assert garbage.outcome == "ok"
    assert garbage.stdout.startswith("ok ")
    for source in (
        "import os\nfor fd in range(5):\n    os.close(fd)\nprint('x')",
        "import sys\nsys.stdout.close()\nsys.stderr.close()\nprint('x')",
        'import os\nos.write(4, b\'{"status": "ok"\')\nraise SystemExit(3)',
    ):
        result = run(layered_pool, source, defence="seccomp-only")
        assert result.outcome in ("ok", "runtime_error"), result
        assert_healthy(layered_pool)


def test_hostile_runs_in_parallel_leave_healthy_runs_correct(layered_pool: SandboxPool) -> None:
    hostile = [
        (
            "import os\nwhile True:\n    try:\n        os.fork()\n"
            "    except OSError:\n        pass",
            8,
        ),
        ("x = []\nwhile True:\n    x.append(' ' * 10**6)", 1),
        ("while True:\n    pass", 1),
    ]
    requests = [
        RunRequest(
            source=src,
            limits=RunLimits(cpu_seconds=1, wall_seconds=1.5, processes=n),
            audit_hook=False,
            seccomp=False,
        )
        for src, n in hostile
    ] + [RunRequest(source=HEALTHY, stdin=f"{i} {i}") for i in range(6)]
    results = layered_pool.run_many(requests)
    assert [r.outcome for r in results[:3]] != ["ok"] * 3
    assert [r.stdout for r in results[3:]] == [f"{2 * i}\n" for i in range(6)]


@pytest.mark.skipif(platform.machine() != "x86_64", reason="i386 ABI trick is x86_64-specific")
def test_switching_to_the_i386_syscall_abi_is_killed(layered_pool: SandboxPool) -> None:
    """int 0x80 would bypass a filter keyed on x86_64 syscall numbers: the filter kills it."""
    source = (
        "import ctypes, mmap\n"
        "buf = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)\n"
        "buf.write(bytes([0xB8, 0x14, 0, 0, 0, 0xCD, 0x80, 0xC3]))  # getpid via int 0x80\n"
        "addr = ctypes.addressof(ctypes.c_char.from_buffer(buf))\n"
        "print(ctypes.CFUNCTYPE(ctypes.c_int)(addr)(), flush=True)\n"
    )
    unfiltered = run(layered_pool, source, defence="os-only")
    if unfiltered.error_type == "ModuleNotFoundError":
        pytest.skip("mmap unreadable for the run's uid here (interpreter under /root)")
    assert unfiltered.outcome == "ok"  # the trick works without the filter...
    result = run(layered_pool, source, defence="seccomp-only")
    assert result.outcome == "runtime_error"  # ...and is fatal with it
    assert result.reason == "killed by SIGSYS"
    assert result.stdout == ""


def test_a_forged_report_cannot_crash_the_grader(layered_pool: SandboxPool) -> None:
    source = 'import os\nos.write(4, b\'{"status": "ok", "value": "[[[["}\')\nos._exit(0)'
    result = run(layered_pool, source, call="f()", defence="seccomp-only")
    assert result.outcome == "runtime_error"
    assert result.value_json is None


def test_run_dirs_are_removed_even_when_a_run_kills_its_zygote() -> None:
    """Rlimits alone as the zygote's own uid (the Lambda shape): the run can end the zygote."""
    if os.geteuid() != 0:
        pytest.skip("starting a zygote as another uid needs root")
    from assessment_engine.sandbox.errors import SandboxCrashedError
    from assessment_engine.sandbox.zygote import Zygote
    from tests.integration.sandbox.conftest import NOBODY, SYSTEM_PYTHON

    zygote = Zygote("rlimit", SYSTEM_PYTHON, NOBODY)
    scratch = zygote._scratch
    source = "import os\nopen('left.txt', 'w').write('x')\nos.kill(os.getppid(), 9)\n"
    # Landlock off: from ABI 6 its signal scope would refuse the kill (the next test)
    request = RunRequest(source=source, audit_hook=False, seccomp=False, landlock=False)
    with pytest.raises(SandboxCrashedError):
        zygote.run(request)
    assert os.listdir(scratch)  # the dead zygote could not clean up its run dir...
    zygote.close()
    assert not os.path.exists(scratch)  # ...its parent did


def test_landlock_signal_scope_keeps_a_run_from_killing_its_zygote() -> None:
    """From Landlock ABI 6 the kernel refuses a signal that leaves the run's domain."""
    if os.geteuid() != 0:
        pytest.skip("starting a zygote as another uid needs root")
    from assessment_engine.sandbox import _landlock
    from assessment_engine.sandbox.zygote import Zygote
    from tests.integration.sandbox.conftest import NOBODY, SYSTEM_PYTHON

    if _landlock.abi_version() < 6:
        pytest.skip(f"Landlock ABI {_landlock.abi_version()} has no signal scope (needs 6)")
    zygote = Zygote("rlimit", SYSTEM_PYTHON, NOBODY)
    try:
        source = "import os\nos.kill(os.getppid(), 9)\n"
        result = zygote.run(RunRequest(source=source, audit_hook=False, seccomp=False))
        assert result.outcome == "runtime_error"
        assert result.error_type == "PermissionError"
        again = zygote.run(RunRequest(source="print(6 * 7)", audit_hook=False, seccomp=False))
        assert again.stdout.strip() == "42"  # the zygote lived on
    finally:
        zygote.close()
