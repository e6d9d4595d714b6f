"""Start, watch and stop every process of a local surge run, and leave nothing behind.

Each child runs in its own process group with ``EXAM_SURGE_RUN=<run id>`` in its environment
(inherited by grandchildren such as the operator's workers and the Lambda environments). On
stop — normal exit, Ctrl-C or an error — every group gets SIGTERM, then SIGKILL after a grace
period, and a final sweep of ``/proc`` kills any process still carrying the run id.

For a chaos run the supervisor also crashes a child on purpose (``kill9``: SIGKILL to its group
and, optionally, to every process it started in a session of its own, as a pod's containers die
together) and starts it again with the same command line, environment, CPUs and priority
(``restart``), as a process supervisor or a kubelet would.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

RUN_ENV = "EXAM_SURGE_RUN"


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    argv: list[str] = field(default_factory=list)
    extra_env: dict[str, str] | None = None
    cpus: set[int] | None = None
    nice: int = 0
    restarts: int = 0

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Supervisor:
    """Owns the children of one run; use as a context manager."""

    workdir: Path
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    children: list[Child] = field(default_factory=list)

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ)
        env[RUN_ENV] = self.run_id
        env.setdefault("PYTHONUNBUFFERED", "1")
        env.update(extra or {})
        return env

    def start(
        self,
        name: str,
        argv: list[str],
        *,
        env: dict[str, str] | None = None,
        cpus: set[int] | None = None,
        nice: int = 0,
    ) -> Child:
        """Start ``argv`` in a new session, logging to ``<workdir>/logs/<name>.log``.

        ``cpus`` pins the process (and everything it starts) to those CPUs: the surge run pins
        the "cluster" and the "Lambda" to different cores so that spilling adds real capacity.
        ``nice`` lowers the priority of grading compute so that, as on separate machines, it
        never starves the API and Redis that acknowledge submissions.
        """
        child = Child(name, self._spawn(name, argv, env, cpus, nice), self._log_path(name))
        child.argv, child.extra_env, child.cpus, child.nice = list(argv), env, cpus, nice
        self.children.append(child)
        return child

    def _log_path(self, name: str) -> Path:
        log_dir = self.workdir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        return log_dir / f"{name}.log"

    def _spawn(
        self,
        name: str,
        argv: list[str],
        env: dict[str, str] | None,
        cpus: set[int] | None,
        nice: int,
    ) -> subprocess.Popen[bytes]:
        log_path = self._log_path(name)

        def pin() -> None:
            if cpus:
                os.sched_setaffinity(0, cpus)
            if nice:
                os.nice(nice)

        with log_path.open("ab") as log:
            process = subprocess.Popen(  # noqa: S603 - argv built by the caller, no shell
                argv,
                env=self.env(env),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=pin,
            )
        return process

    def child(self, name: str) -> Child:
        return next(c for c in self.children if c.name == name)

    def kill9(self, child: Child, *, with_descendants: bool = False) -> list[int]:
        """SIGKILL the child's process group, as a crash would (no shutdown hooks); with
        ``with_descendants`` also every process it started in a session of its own. Returns the
        pids killed besides the child's group."""
        others = descendants(child.process.pid) if with_descendants else []
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.process.pid, signal.SIGKILL)
        for pid in others:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.process.wait(timeout=5)
        return others

    def restart(self, child: Child) -> None:
        """Start a dead child again with its original command line, environment and pinning."""
        if child.alive():
            raise RuntimeError(f"{child.name} is still running")
        child.process = self._spawn(child.name, child.argv, child.extra_env, child.cpus, child.nice)
        child.restarts += 1

    def check(self) -> list[Child]:
        """Children that died unexpectedly."""
        return [c for c in self.children if not c.alive()]

    def stop_all(self, grace: float = 8.0) -> None:
        for child in reversed(self.children):
            if child.alive():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for child in reversed(self.children):
            remaining = max(0.1, deadline - time.monotonic())
            try:
                child.process.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.process.pid, signal.SIGKILL)
                child.process.wait(timeout=5)
        self.sweep()

    def sweep(self) -> list[int]:
        """Kill every process whose environment carries this run id; return their pids."""
        marker = f"{RUN_ENV}={self.run_id}".encode()
        killed = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if marker in environ.split(b"\0"):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(int(entry.name), signal.SIGKILL)
                    killed.append(int(entry.name))
        return killed

    def __enter__(self) -> Supervisor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_all()


def _parent_pids() -> dict[int, int]:
    """pid -> parent pid of every process visible in ``/proc``."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the command name (field 2) is in parentheses and may hold spaces
        fields = stat[stat.rindex(")") + 2 :].split()
        parents[int(entry.name)] = int(fields[1])
    return parents


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (children, grandchildren...)."""
    parents = _parent_pids()
    children: dict[int, list[int]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)
    out: list[int] = []
    todo = list(children.get(pid, []))
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(children.get(current, []))
    return out


def cpu_ticks(pid: int) -> int | None:
    """User + system CPU ticks of ``pid`` so far (None when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


def cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]
