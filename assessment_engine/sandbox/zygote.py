"""Parent-side handle on one sandbox zygote: start it, hand it one run at a time, enforce limits.

``SandboxPool`` (``pool.py``) owns zygotes; nothing else should start one. For each run the
parent makes the run's pipes, passes the child ends to the zygote (SCM_RIGHTS), feeds stdin and
the job, reads stdout/stderr/the report with bounded buffers, and enforces the wall clock. The
verdict comes from ``verdict.py``; the zygote only reports the run's wait status and rusage.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from assessment_engine.sandbox.errors import SandboxCrashedError, SandboxUnavailableError
from assessment_engine.sandbox.models import Isolation, Layer, RunRequest, RunResult
from assessment_engine.sandbox.verdict import RawRun, verdict

CHILD_SCRIPT = Path(__file__).with_name("_child.py")
# The whole environment of the sandbox: no HOME, PATH, credentials or anything of the host's.
SANDBOX_ENV = {"PYTHONHASHSEED": "0", "PYTHONUTF8": "1", "PYTHONIOENCODING": "utf-8:replace"}
START_TIMEOUT = 10.0
KILL_GRACE = 2.0
REPORT_EXTRA = 65_536


def sandbox_python() -> str:
    """The base interpreter (not the virtualenv's): with ``-S`` the sandbox sees only the stdlib."""
    return os.path.realpath(sys.executable)


class Zygote:
    """One warm sandbox process; serves runs sequentially, each in a fresh forked child.

    ``python`` is the interpreter (default: the base interpreter of this process); ``user``
    starts the zygote as that uid (and gid) instead of this process's, e.g. to take the
    unprivileged code path (user namespace, or rlimits as on AWS Lambda) on a root host.
    """

    def __init__(
        self, isolation: Isolation = "auto", python: str | None = None, user: int | None = None
    ) -> None:
        requested: str = isolation
        if isolation == "auto" and os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
            requested = "lambda"  # namespaces are refused there; say why in the hello
        # Run dirs of the rlimit layer live here, on the host: removed with the zygote even if
        # a run killed it. Others may only traverse it (each run dir is 0700, the run's own).
        self._scratch = tempfile.mkdtemp(prefix="sbx-zygote-")
        os.chmod(self._scratch, 0o711)  # noqa: S103 - traverse only, never list
        if user is not None:
            os.chown(self._scratch, user, user)
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        debug = bool(os.environ.get("SANDBOX_DEBUG"))
        argv = [python or sandbox_python(), "-S", "-s", "-B", "-P", str(CHILD_SCRIPT)]
        try:
            self._proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                [*argv, str(child.fileno()), requested, self._scratch],
                env=SANDBOX_ENV,
                pass_fds=(child.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=None if debug else subprocess.DEVNULL,
                cwd="/",
                start_new_session=True,
                user=user,
                group=user,
                extra_groups=[] if user is not None else None,
            )
        except OSError as exc:
            parent.close()
            shutil.rmtree(self._scratch, ignore_errors=True)
            raise SandboxUnavailableError(f"cannot start the sandbox interpreter: {exc}") from exc
        finally:
            child.close()
        self._sock = parent
        self.runs = 0
        self.broken = False
        hello = self._receive(time.monotonic() + START_TIMEOUT)
        if hello is None or hello.get("event") != "hello":
            self.close()
            message = hello.get("message", "no hello") if hello else "no hello"
            raise SandboxUnavailableError(f"sandbox failed to start ({isolation}): {message}")
        self.layer: Layer = hello["layer"]
        self.reason: str = hello.get("reason", "")
        self.seccomp: bool = bool(hello.get("seccomp", False))
        self.landlock: int = int(hello.get("landlock", 0))

    def _receive(self, deadline: float) -> dict[str, Any] | None:
        self._sock.settimeout(max(0.0, deadline - time.monotonic()))
        try:
            data = self._sock.recv(65_536)
        except (TimeoutError, OSError):
            return None
        if not data:
            return None
        message: dict[str, Any] = json.loads(data)
        return message

    def close(self) -> None:
        """Kill the zygote and everything it started (its session's process group)."""
        self.broken = True
        self._sock.close()
        with contextlib.suppress(OSError):
            os.killpg(self._proc.pid, signal.SIGKILL)
        self._proc.wait()
        shutil.rmtree(self._scratch, ignore_errors=True)

    def run(self, request: RunRequest) -> RunResult:
        """Execute one run; raises ``SandboxCrashedError`` if the zygote fails (not the program)."""
        if self.broken:
            raise SandboxCrashedError("zygote already closed")
        limits = request.limits
        pipes = [os.pipe() for _ in range(5)]  # stdin, stdout, stderr, job, result
        theirs = [pipes[0][0], pipes[1][1], pipes[2][1], pipes[3][0], pipes[4][1]]
        ours = [pipes[0][1], pipes[1][0], pipes[2][0], pipes[3][1], pipes[4][0]]
        header = {
            "limits": limits.model_dump(),
            "audit": request.audit_hook,
            "seccomp": request.seccomp,
            "landlock": request.landlock,
        }
        try:
            socket.send_fds(self._sock, [json.dumps(header).encode()], theirs)
        except OSError as exc:
            for fd in ours:
                os.close(fd)
            self.broken = True
            raise SandboxCrashedError(f"zygote did not take the run: {exc}") from exc
        finally:
            for fd in theirs:
                os.close(fd)
        self.runs += 1
        job = json.dumps({"source": request.source, "call": request.call}).encode()
        raw = _Exchange(self, ours, request.stdin.encode(), job, request).run()
        return verdict(raw, request, self.layer)

    # used by _Exchange
    def send_kill(self) -> None:
        try:
            self._sock.send(b"kill")
        except OSError:
            self.broken = True


class _Exchange:
    """The I/O loop of one run: bounded reads, non-blocking writes, the wall clock."""

    def __init__(
        self, zygote: Zygote, fds: list[int], stdin: bytes, job: bytes, request: RunRequest
    ) -> None:
        self.zygote = zygote
        self.limits = request.limits
        self.sel = selectors.DefaultSelector()
        self.pending = {fds[0]: memoryview(stdin), fds[3]: memoryview(job)}
        self.caps = {
            fds[1]: self.limits.output_bytes,
            fds[2]: self.limits.stderr_bytes,
            fds[4]: self.limits.output_bytes + REPORT_EXTRA,
        }
        self.buffers: dict[int, bytearray] = {fd: bytearray() for fd in self.caps}
        self.names = {fds[1]: "stdout", fds[2]: "stderr", fds[4]: "report"}
        self.overflow: str | None = None
        self.wall_killed = False
        for fd in fds:
            os.set_blocking(fd, False)
        for fd in self.pending:
            self.sel.register(fd, selectors.EVENT_WRITE)
        for fd in self.caps:
            self.sel.register(fd, selectors.EVENT_READ)
        self.sel.register(zygote._sock, selectors.EVENT_READ)

    def _close(self, fd: int) -> None:
        self.sel.unregister(fd)
        os.close(fd)

    def _write(self, fd: int) -> None:
        data = self.pending[fd]
        try:
            sent = os.write(fd, data[:65_536])
        except (BlockingIOError, InterruptedError):
            return
        except OSError:  # the program closed stdin or exited: the rest is not needed
            sent = len(data)
        self.pending[fd] = data = data[sent:]
        if not data:
            self._close(fd)

    def _read(self, fd: int) -> None:
        try:
            chunk = os.read(fd, 65_536)
        except (BlockingIOError, InterruptedError):
            return
        if not chunk:
            self._close(fd)
            del self.caps[fd]
            return
        buffer = self.buffers[fd]
        buffer += chunk
        if len(buffer) > self.caps[fd]:
            del buffer[self.caps[fd] :]
            self._close(fd)
            del self.caps[fd]
            if self.overflow is None:
                self.overflow = self.names[fd]
                self.zygote.send_kill()

    def run(self) -> RawRun:
        start = time.monotonic()
        deadline = start + self.limits.wall_seconds
        exit_message: dict[str, Any] | None = None
        try:
            while exit_message is None or self.caps:
                now = time.monotonic()
                if exit_message is None and now >= deadline:
                    if self.wall_killed:
                        self.zygote.broken = True
                        raise SandboxCrashedError("zygote did not end a run after kill")
                    self.wall_killed = True
                    self.zygote.send_kill()
                    deadline = now + KILL_GRACE
                if exit_message is not None and now >= deadline:
                    break  # a straggler holds a pipe open: stop reading, the run is over
                for key, _ in self.sel.select(max(0.0, deadline - now)):
                    fd = key.fd
                    if key.fileobj is self.zygote._sock:
                        exit_message = self._exit_message()
                        deadline = min(deadline, time.monotonic() + 0.5)
                    elif fd in self.pending:
                        self._write(fd)
                    elif fd in self.caps:
                        self._read(fd)
        finally:
            for key in list(self.sel.get_map().values()):
                if key.fileobj is not self.zygote._sock:
                    os.close(key.fd)
            self.sel.close()
        bufs = list(self.buffers.values())
        return RawRun(
            status=int(exit_message["status"]),
            cpu_seconds=float(exit_message["cpu"]),
            wall_seconds=time.monotonic() - start,
            stdout=bytes(bufs[0]),
            stderr=bytes(bufs[1]),
            report=bytes(bufs[2]),
            overflow=self.overflow,
            wall_killed=self.wall_killed,
            cpu_killed=bool(exit_message.get("cpu_killed", False)),
        )

    def _exit_message(self) -> dict[str, Any]:
        self.sel.unregister(self.zygote._sock)
        message = self.zygote._receive(time.monotonic() + KILL_GRACE)
        if message is None or message.get("event") != "exit":
            self.zygote.broken = True
            raise SandboxCrashedError("zygote ended or broke protocol during a run")
        return message
