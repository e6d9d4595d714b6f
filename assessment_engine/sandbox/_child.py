"""The sandbox zygote and run harness: the only code that executes next to student code.

Started by ``assessment_engine.sandbox.zygote.Zygote`` as
``python -S -s -B -P _child.py <control-fd> <isolation> <scratch-dir>`` with an empty
environment. It imports
only the standard library (it must run with ``-S`` and after ``pivot_root``), sets up the
isolation layer once (namespaces + a minimal read-only root, or nothing beyond rlimits), says
hello on the control socket, then serves runs one at a time. For every run it forks a fresh
child (in a fresh PID and IPC namespace under the namespace layer) that drops privileges,
applies rlimits, installs the seccomp filter and the audit hook and executes the student's
source. Nothing of a
student ever runs in the zygote itself, and the zygote never sees a run's job or output: the
parent passes the run's pipes as file descriptors (SCM_RIGHTS) straight to the child. Its
stdlib-only helpers are loaded by path: ``_rootfs.py`` (namespaces, root file system,
capabilities), ``_seccomp.py`` (the run's syscall filter), ``_audit.py`` (the audit hook).
"""

from __future__ import annotations

import builtins
import contextlib
import ctypes
import gc
import importlib.util
import json
import linecache
import math
import os
import resource
import select
import signal
import socket
import sys
import tempfile
import time
import traceback
import types
from dataclasses import dataclass
from typing import Any

# --- Linux constants (stable kernel ABI) -------------------------------------------------
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 1, 4, 38
# Imported once in the zygote: runs get them for free (each run forks its own copy), and they
# stay importable where the run's uid cannot read the interpreter's directory.
PRELOAD = (
    "array",
    "bisect",
    "collections",
    "copy",
    "dataclasses",
    "datetime",
    "decimal",
    "enum",
    "fractions",
    "functools",
    "heapq",
    "itertools",
    "math",
    "operator",
    "random",
    "re",
    "statistics",
    "string",
    "textwrap",
    "typing",
)
UID_BASE = 200_000  # per-zygote uid = UID_BASE + zygote pid: unique among live zygotes
# The zygote reads the run's CPU clock this often and kills the run once it passes the limit:
# RLIMIT_CPU alone is whole seconds, and its SIGXCPU can be ignored (and is, by pid 1 of a PID
# namespace), so it only backs this up. Overshoot is about one interval of CPU.
CPU_POLL_SECONDS = 0.01
CPUCLOCK_SCHED = 2  # Linux: MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED) = (~pid << 3) | 2
STATUS_INTERNAL = 70
TRACE_LIMIT = 2000

_libc = ctypes.CDLL(None, use_errno=True)


def _load_sibling(name: str) -> types.ModuleType:
    """Load a stdlib-only helper next to this script (the package is not importable here)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name + ".py")
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_seccomp = _load_sibling("_seccomp")
_rootfs = _load_sibling("_rootfs")
_audit = _load_sibling("_audit")
_landlock = _load_sibling("_landlock")
WORK_ROOT: str = _rootfs.WORK_ROOT
_FILTER = _seccomp.Template() if _seccomp.number("socket") is not None else None
_FILTER_SINGLE = _seccomp.Template(single=True) if _FILTER is not None else None
# What a run may read besides its own directory (Landlock): the stdlib and the shared libraries
# its extension modules link against. Never /etc, /proc, /tmp, /home, the project's source.
SYSTEM_LIBS = ("/lib", "/lib64", "/usr/lib", "/usr/lib64")


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _prctl(option: int, arg: int) -> None:
    _check(_libc.prctl(option, ctypes.c_ulong(arg), 0, 0, 0), f"prctl {option}")


def setup(requested: str) -> tuple[str, str]:
    """Enter the requested isolation layer; ``auto`` falls back to rlimits, with the reason."""
    if requested == "lambda":
        return "rlimit", "AWS Lambda: namespaces are not available"
    if requested == "rlimit":
        return "rlimit", "namespaces not requested"
    try:
        return _rootfs.enter_namespaces(_seccomp.number), ""
    except OSError as exc:
        if requested == "namespaces":
            raise
        return "rlimit", f"namespaces unavailable: {exc}"


# --- per run: the child ---------------------------------------------------------------
@dataclass
class State:
    """What the zygote knows between runs (nothing of any student's)."""

    layer: str
    vm_base: int
    run_uid: int
    readable: tuple[str, ...]
    scratch: str = ""  # host dir for rlimit-layer run dirs; the parent removes it with us
    seccomp: bool = False
    landlock_abi: int = 0  # 0: the kernel has no Landlock (or refused it in the probe)
    landlock_readable: tuple[str, ...] = ()
    runs: int = 0
    closing: bool = False


def _count_uid_processes(uid: int) -> int:
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                count += os.stat(f"/proc/{entry}").st_uid == uid
    return count


def _drop_privileges(layer: str, run_uid: int, limits: dict[str, float]) -> None:
    """Leave root (a unique uid per zygote) or, inside a user namespace, every capability."""
    processes = int(limits["processes"])
    if os.geteuid() == 0 and layer != "namespaces+userns":
        os.setgroups([])
        os.setgid(run_uid)
        os.setuid(run_uid)
    elif layer == "namespaces+userns":
        _rootfs.drop_capabilities(_seccomp.number)
        processes += 2  # NPROC counts per user namespace: the zygote and the intermediate too
    else:  # unprivileged host without namespaces (AWS Lambda): the uid is shared
        processes += _count_uid_processes(os.getuid()) - 1  # minus this process
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # set after setuid, which clears it
    resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))


def _apply_rlimits(limits: dict[str, float], vm_base: int) -> None:
    cpu = math.ceil(limits["cpu_seconds"])
    memory = vm_base + int(limits["memory_mb"]) * 1024 * 1024
    file_bytes = int(limits["file_bytes"])
    for name, value in (
        (resource.RLIMIT_CORE, (0, 0)),
        (resource.RLIMIT_CPU, (cpu, cpu + 1)),
        (resource.RLIMIT_AS, (memory, memory)),
        (resource.RLIMIT_FSIZE, (file_bytes, file_bytes)),
        (resource.RLIMIT_NOFILE, (32, 32)),
    ):
        resource.setrlimit(name, value)


def _trim_traceback(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    keep = [f for f in frames if f.filename in ("solution.py", "<test>")] or frames[-1:]
    lines = ["Traceback (most recent call last):"]
    for frame in keep:
        name = os.path.basename(frame.filename)
        lines.append(f'  File "{name}", line {frame.lineno}, in {frame.name}')
        if frame.line:
            lines.append(f"    {frame.line.strip()}")
    lines.extend(line.rstrip("\n") for line in traceback.format_exception_only(type(exc), exc))
    text = "\n".join(lines)
    return text if len(text) <= TRACE_LIMIT else "...\n" + text[-TRACE_LIMIT:]


def _execute(job: dict[str, str]) -> dict[str, object]:
    """Run the student's source (and the call expression); return the report for the parent."""
    call = job.get("call")
    module = types.ModuleType("solution" if call else "__main__")
    module.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = module  # the harness module is not reachable by name
    namespace = module.__dict__
    try:
        source = job["source"]
        linecache.cache["solution.py"] = (len(source), None, source.splitlines(True), "solution.py")
        if call:
            linecache.cache["<test>"] = (len(call), None, [call], "<test>")
        code = compile(source, "solution.py", "exec")
        exec(code, namespace)  # noqa: S102 - running the student's code is the point
        report: dict[str, object] = {"status": "ok"}
        if call:
            value = eval(compile(call, "<test>", "eval"), namespace)  # noqa: S307
            try:
                report["value"] = json.dumps(value, allow_nan=True)
            except (TypeError, ValueError) as exc:
                report = {
                    "status": "unserialisable",
                    "type": type(value).__name__,
                    "message": str(exc)[:200],
                }
    except SystemExit as exc:
        code_ = exc.code
        status = 0 if code_ is None else code_ if isinstance(code_, int) else 1
        report = (
            {"status": "ok"} if status == 0 and not call else {"status": "exit", "code": status}
        )
    except BaseException as exc:  # everything the student raises is reported
        report = {
            "status": "exception",
            "type": type(exc).__name__,
            "traceback": _trim_traceback(exc),
        }
    with contextlib.suppress(BaseException):  # stdout closed by the student: keep what arrived
        sys.stdout.flush()
    report["cpu"] = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
    return report


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _child(header: dict[str, Any], fds: list[int], state: State) -> None:
    """The run process: never returns."""
    for target, fd in enumerate(fds):  # stdin, stdout, stderr, job, result -> 0..4
        os.dup2(fd, target)
    os.closerange(5, 65536)
    workdir = str(header["workdir"])
    limits = header["limits"]
    assert isinstance(limits, dict)
    os.chdir(workdir)
    os.setsid()  # own session and process group: kill(0) cannot reach the zygote
    _drop_privileges(str(state.layer), int(state.run_uid), limits)
    job = json.loads(_read_all(3))
    os.close(3)
    # sys.stdin/stdout/stderr already wrap fds 0-2 (utf-8, errors=replace from the environment)
    random_module = sys.modules.get("random")
    if random_module is not None:  # deterministic programs stay deterministic across zygotes
        random_module.seed(0)
    _apply_rlimits(limits, state.vm_base)
    if state.landlock_abi and header.get("landlock", True):
        _landlock.restrict(state.landlock_abi, state.landlock_readable, workdir)
    if _FILTER is not None and state.seccomp and header.get("seccomp", True):
        template = _FILTER_SINGLE if int(limits["processes"]) <= 1 else _FILTER
        assert template is not None
        template.install(os.getpid(), _libc)
    if header.get("audit", True):
        for name in [m for m in sys.modules if m.startswith(("ctypes", "_ctypes"))]:
            del sys.modules[name]  # importing ctypes again goes through the hook's "import"
        _audit.install(workdir, tuple(state.readable))
    report = _execute(job)
    data = json.dumps(report).encode()
    try:
        os.write(4, data)
    except OSError:
        os._exit(STATUS_INTERNAL)
    os._exit(0)


def _intermediate(header: dict[str, Any], fds: list[int], state: State, tell: int) -> None:
    """Namespace layer: fresh PID + IPC namespaces per run; relay the run's wait status.

    The run's pid (as the zygote sees it) goes to the zygote through ``tell``, so that the
    zygote can watch the run's CPU clock and kill it at the limit.
    """
    _check(_libc.unshare(CLONE_NEWPID | CLONE_NEWIPC), "unshare pid")
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    pid = os.fork()
    if pid == 0:
        try:
            os.close(tell)
            _child(header, fds, state)
        finally:
            os._exit(STATUS_INTERNAL)
    for fd in fds:
        os.close(fd)
    with contextlib.suppress(OSError):
        os.write(tell, str(pid).encode())
    os.close(tell)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        with contextlib.suppress(OSError, ValueError):  # SIGKILL's action cannot be set
            signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
        os._exit(128 + sig)
    os._exit(os.WEXITSTATUS(status))


def _make_workdir(state: State) -> str:
    if state.layer.startswith("namespaces"):
        state.runs = state.runs + 1
        path = f"{WORK_ROOT}/run-{state.runs}"
        os.mkdir(path, 0o700)
    else:
        path = tempfile.mkdtemp(prefix="run-", dir=state.scratch)
    if os.geteuid() == 0 and state.layer != "namespaces+userns":
        os.chown(path, int(state.run_uid), int(state.run_uid))
    return path


def _remove_tree(path: str) -> None:
    for root, dirs, files in os.walk(path, topdown=False):
        for name in files:
            os.unlink(os.path.join(root, name))
        for name in dirs:
            full = os.path.join(root, name)
            if os.path.islink(full):
                os.unlink(full)
            else:
                os.rmdir(full)
    os.rmdir(path)


def _kill_run(pid: int, layer: str) -> None:
    os.kill(pid, signal.SIGKILL)
    if layer == "rlimit":
        _killpg(pid)


def _cpu_seconds(pid: int) -> float | None:
    """CPU time (all threads) of a live process we may see; None once it is gone."""
    try:
        return time.clock_gettime((~pid << 3) | CPUCLOCK_SCHED)
    except OSError:
        return None


class _CpuWatch:
    """Kills the run once its CPU clock passes the limit; the zygote calls ``tick`` per wake-up.

    The rlimit layer watches the run (the zygote's child) directly; the namespace layer learns
    the run's pid from the intermediate through ``tell`` (the run is pid 1 of its own PID
    namespace: killing it ends every process in there, and the intermediate relays SIGKILL).
    """

    def __init__(self, pid: int, tell: int | None, limit: float, layer: str) -> None:
        self.child = pid
        self.target = pid if tell is None else None
        self.tell = tell
        self.limit = limit
        self.layer = layer
        self.killed = False

    def _learn(self) -> None:
        assert self.tell is not None
        data = b""
        with contextlib.suppress(OSError):
            data = os.read(self.tell, 32)
        self.close()
        self.target = int(data) if data.isdigit() else None

    def tick(self, ready: list[Any]) -> None:
        if self.tell is not None and self.tell in ready:
            self._learn()
        if self.target is None or self.killed:
            return
        used = _cpu_seconds(self.target)
        if used is None or used <= self.limit:
            return
        self.killed = True
        if self.target == self.child:
            _kill_run(self.child, self.layer)
        else:
            with contextlib.suppress(OSError):
                os.kill(self.target, signal.SIGKILL)

    def close(self) -> None:
        if self.tell is not None:
            os.close(self.tell)
            self.tell = None


def _await_run(
    pid: int, sock: socket.socket, state: State, watch: _CpuWatch
) -> tuple[int, Any, bool]:
    """Wait for the run, killing it on the parent's word or (``watch``) at its CPU limit.

    Returns (wait status, rusage, killed by the parent).
    """
    try:
        pidfd: int | None = os.pidfd_open(pid)
    except OSError:  # kernels before 5.3 (old Lambda hosts): poll every 2 ms instead
        pidfd = None
    killed = False
    listening = True
    while True:
        waitables = [
            fd for fd in (pidfd, sock if listening else None, watch.tell) if fd is not None
        ]
        timeout = 0.002 if pidfd is None else CPU_POLL_SECONDS
        ready, _, _ = select.select(waitables, [], [], timeout)
        watch.tick(ready)
        if sock in ready:
            message = sock.recv(64)
            listening = bool(message)
            if message in (b"kill", b""):
                killed = True
                state.closing = state.closing or not message
                _kill_run(pid, state.layer)
        if pidfd is None:
            done, status, usage = os.wait4(pid, os.WNOHANG)
            if done:
                if state.layer == "rlimit":
                    _killpg(pid)
                return status, usage, killed
        elif pidfd in ready:
            break
    if state.layer == "rlimit":
        _killpg(pid)  # stragglers in the run's process group; the leader is still a zombie
    _, status, usage = os.wait4(pid, 0)
    os.close(pidfd)
    return status, usage, killed


def serve_one(sock: socket.socket, header: dict[str, Any], fds: list[int], state: State) -> None:
    workdir = _make_workdir(state)
    header["workdir"] = workdir
    layer = str(state.layer)
    namespaced = layer.startswith("namespaces")
    learn, tell = os.pipe() if namespaced else (-1, -1)
    pid = os.fork()
    if pid == 0:
        try:
            sock.close()
            if namespaced:
                os.close(learn)
                _intermediate(header, fds, state, tell)
            _child(header, fds, state)
        finally:
            os._exit(STATUS_INTERNAL)
    for fd in fds:
        os.close(fd)
    if namespaced:
        os.close(tell)
    limit = float(header["limits"]["cpu_seconds"])
    watch = _CpuWatch(pid, learn if namespaced else None, limit, layer)
    try:
        status, usage, killed = _await_run(pid, sock, state, watch)
    finally:
        watch.close()
    with contextlib.suppress(OSError):  # a leftover dir in the zygote's tmpfs is harmless
        _remove_tree(workdir)
    if state.closing:
        sys.exit(0)
    sock.send(
        json.dumps(
            {
                "event": "exit",
                "status": status,
                "killed": killed,
                "cpu_killed": watch.killed,
                "cpu": usage.ru_utime + usage.ru_stime,
                "maxrss_kb": usage.ru_maxrss,
            }
        ).encode()
    )


def _killpg(pgid: int) -> None:
    with contextlib.suppress(OSError):
        os.killpg(pgid, signal.SIGKILL)


def _probe_seccomp() -> bool:
    """Whether this kernel takes the run filter (tried once, in a throw-away child)."""
    if _FILTER is None:  # an architecture without a syscall table here
        return False
    pid = os.fork()
    if pid == 0:
        try:
            _prctl(PR_SET_NO_NEW_PRIVS, 1)
            _FILTER.install(os.getpid(), _libc)
            os._exit(0)
        finally:
            os._exit(1)
    return os.waitpid(pid, 0)[1] == 0


def _landlock_readable() -> tuple[str, ...]:
    stdlib = [os.path.realpath(p) for p in sys.path if p and os.path.exists(p)]
    return tuple(dict.fromkeys([*stdlib, *SYSTEM_LIBS]))


def _probe_landlock(readable: tuple[str, ...]) -> int:
    """The Landlock ABI the runs get (0: none), tried once in a throw-away child."""
    abi = _landlock.abi_version()
    if abi == 0:
        return 0
    pid = os.fork()
    if pid == 0:
        try:
            _prctl(PR_SET_NO_NEW_PRIVS, 1)
            _landlock.restrict(abi, readable, WORK_ROOT if os.path.isdir(WORK_ROOT) else "/")
            os._exit(0)
        finally:
            os._exit(1)
    return abi if os.waitpid(pid, 0)[1] == 0 else 0


def _vm_size() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def main() -> None:
    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            __import__(name)
    control_fd, requested, scratch = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    sock = socket.socket(fileno=control_fd)  # EOF on it (the parent died) ends the zygote
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    vm_base = _vm_size() + 16 * 1024 * 1024
    try:
        layer, reason = setup(requested)
    except OSError as exc:
        sock.send(json.dumps({"event": "error", "message": str(exc)}).encode())
        sys.exit(STATUS_INTERNAL)
    _prctl(PR_SET_DUMPABLE, 0)
    prefix = os.path.realpath(sys.base_prefix)
    state = State(
        layer=layer,
        vm_base=vm_base,
        run_uid=UID_BASE + os.getpid() if os.geteuid() == 0 else os.geteuid(),
        readable=(prefix + os.sep, "/usr/lib/", "/usr/local/lib/", "/dev/urandom"),
        scratch=scratch,
    )
    state.seccomp = _probe_seccomp()
    state.landlock_readable = _landlock_readable()
    state.landlock_abi = _probe_landlock(state.landlock_readable)
    gc.freeze()  # keep the collector from touching (and copying) the zygote's pages per run
    hello = {
        "event": "hello",
        "layer": layer,
        "reason": reason,
        "seccomp": state.seccomp,
        "landlock": state.landlock_abi,
    }
    sock.send(json.dumps(hello).encode())
    while True:
        message, fds, _, _ = socket.recv_fds(sock, 65536, 8)
        if not message:
            return
        serve_one(sock, json.loads(message), fds, state)


if __name__ == "__main__":
    main()
