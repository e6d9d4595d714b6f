"""One execution environment: a real ``awslambdaric`` process and the Runtime API it polls.

Used by ``pool.FunctionPool``. Each environment gets its own Runtime API endpoint (an aiohttp
server on an ephemeral port, because awslambdaric hard-codes the ``/2018-06-01`` paths) and runs
exactly one invocation at a time, as Lambda does. Init ends at the runtime's first ``/next``;
a timeout SIGKILLs the process group; a crash or timeout makes the environment unusable so the
pool replaces it. Outcomes are plain ``InvokeOutcome`` values; HTTP mapping is ``wire.py``'s job.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib.util
import json
import os
import signal
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from aiohttp import web

from assessment_engine.overflow.cost import billed_ms
from overflow_functions.local_lambda.config import (
    RESERVED_ENVIRONMENT,
    FunctionConfig,
    LocalLambdaSettings,
)

RUNTIME_PREFIX = "/2018-06-01/runtime"
MAX_RESPONSE_BYTES = 6 * 1024 * 1024
TAIL_BYTES = 4096

OutcomeKind = Literal["ok", "function_error", "timeout", "crash", "init_error"]


@dataclass
class InvokeOutcome:
    """What happened to one invocation: body as the caller receives it, and bookkeeping."""

    kind: OutcomeKind
    body: bytes
    request_id: str
    duration_ms: float
    init_duration_ms: float | None
    logs: str = ""

    @property
    def function_error(self) -> str | None:
        return None if self.kind == "ok" else "Unhandled"

    def log_tail(self) -> str:
        data = self.logs.encode()[-TAIL_BYTES:]
        return data.decode(errors="ignore")


@dataclass
class _Invocation:
    request_id: str
    payload: bytes
    deadline_ms: int
    client_context: str | None
    function_arn: str
    future: asyncio.Future[tuple[OutcomeKind, bytes]]
    logs: list[str] = field(default_factory=list)


class InitFailedError(Exception):
    """The runtime failed during init; ``body`` is the error object the caller receives."""

    def __init__(self, body: bytes, init_duration_ms: float, logs: str) -> None:
        super().__init__(body.decode(errors="replace"))
        self.body = body
        self.init_duration_ms = init_duration_ms
        self.logs = logs


class ExecutionEnvironment:
    """A started-on-demand (or provisioned) environment for one function version."""

    def __init__(
        self,
        function: FunctionConfig,
        version: str,
        settings: LocalLambdaSettings,
        *,
        init_type: str = "on-demand",
    ) -> None:
        self.id = uuid.uuid4().hex[:12]
        self.function = function
        self.version = version
        self.settings = settings
        self.init_type = init_type
        self.provisioned = init_type == "provisioned-concurrency"
        self.process: asyncio.subprocess.Process | None = None
        self.init_duration_ms: float | None = None
        self.invocations = 0
        self.last_used = time.monotonic()
        self._inbox: asyncio.Queue[_Invocation] = asyncio.Queue(maxsize=1)
        self._current: _Invocation | None = None
        self._init_done = asyncio.Event()
        self._closed = asyncio.Event()
        self._init_error: bytes | None = None
        self._init_logs: deque[str] = deque(maxlen=200)
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._exit_status: int | None = None

    # ---------------------------------------------------------------- lifecycle
    @property
    def alive(self) -> bool:
        return not self._closed.is_set()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def rss_bytes(self) -> int:
        """Resident memory of the runtime process (Linux ``/proc``), 0 if unknown."""
        return _proc_status_kb(self.pid, "VmRSS") * 1024

    def peak_rss_bytes(self) -> int:
        return _proc_status_kb(self.pid, "VmHWM") * 1024

    async def start(self) -> float:
        """Start the Runtime API and the runtime; return the init duration in ms.

        Raises ``InitFailedError`` when the runtime reports an init error, exits before its
        first ``/next``, or exceeds the init bound.
        """
        app = web.Application()
        app.router.add_get(f"{RUNTIME_PREFIX}/invocation/next", self._next)
        app.router.add_post(f"{RUNTIME_PREFIX}/invocation/{{rid}}/response", self._response)
        app.router.add_post(f"{RUNTIME_PREFIX}/invocation/{{rid}}/error", self._error)
        app.router.add_post(f"{RUNTIME_PREFIX}/init/error", self._post_init_error)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self._port = int(sockets[0].getsockname()[1])

        started = time.monotonic()
        self.process = await asyncio.create_subprocess_exec(
            self.settings.python_executable,
            "-m",
            "awslambdaric",
            self.function.handler,
            cwd=str(self.function.code_dir),
            env=self._worker_env(),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        self._tasks.append(asyncio.create_task(self._read_logs()))
        self._tasks.append(asyncio.create_task(self._watch_exit()))
        init_done = asyncio.create_task(self._init_done.wait())
        closed = asyncio.create_task(self._closed.wait())
        done, _ = await asyncio.wait(
            {init_done, closed},
            timeout=self.settings.init_timeout,
            return_when=asyncio.FIRST_COMPLETED,
        )
        init_done.cancel()
        closed.cancel()
        elapsed = (time.monotonic() - started) * 1000
        if self._init_done.is_set():
            self.init_duration_ms = elapsed
            return elapsed
        if not done:
            await self.kill()
            body = _error_body(
                "Runtime.InitTimeout",
                f"Init timed out after {self.settings.init_timeout:.2f} seconds",
            )
        else:
            await self.kill()
            body = self._init_error or _error_body(
                "Runtime.ExitError",
                f"RequestId: {uuid.uuid4()} Error: Runtime exited with error: "
                f"{_exit_text(self._exit_status)}",
            )
        raise InitFailedError(body, elapsed, "\n".join(self._init_logs))

    async def kill(self) -> None:
        """SIGKILL the runtime's whole process group and close the Runtime API. Idempotent."""
        proc = self.process
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                await proc.wait()
        self._closed.set()
        for task in self._tasks:
            if task is not asyncio.current_task():
                task.cancel()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    # ------------------------------------------------------------------ invoke
    async def invoke(
        self, payload: bytes, *, function_arn: str, client_context: str | None = None
    ) -> InvokeOutcome:
        """Run one invocation to completion, timeout or crash (never raises for those)."""
        loop = asyncio.get_running_loop()
        request_id = str(uuid.uuid4())
        timeout = self.function.timeout
        invocation = _Invocation(
            request_id=request_id,
            payload=payload,
            deadline_ms=int((time.time() + timeout) * 1000),
            client_context=client_context,
            function_arn=function_arn,
            future=loop.create_future(),
        )
        # Lambda reports (and, since 1 August 2025, bills) the init phase on the invoke that
        # cold-started an on-demand environment; provisioned environments initialised ahead of
        # time and their init is covered by the provisioned-concurrency charge.
        first = self.invocations == 0
        init_ms = self.init_duration_ms if first and not self.provisioned else None
        self.invocations += 1
        invocation.logs.append(f"START RequestId: {request_id} Version: {self.version}\n")
        started = time.monotonic()
        self._inbox.put_nowait(invocation)
        try:
            kind, body = await asyncio.wait_for(asyncio.shield(invocation.future), timeout)
        except TimeoutError:
            await self.kill()
            kind = "timeout"
            body = _error_body(
                "Sandbox.Timedout",
                f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds",
            )
        duration_ms = (time.monotonic() - started) * 1000
        await asyncio.sleep(0.005)  # let the pipe reader catch the runtime's last log lines
        self._current = None
        self.last_used = time.monotonic()
        invocation.logs.append(f"END RequestId: {request_id}\n")
        invocation.logs.append(self._report_line(request_id, duration_ms, init_ms, kind))
        return InvokeOutcome(
            kind=kind,
            body=body,
            request_id=request_id,
            duration_ms=duration_ms,
            init_duration_ms=init_ms,
            logs="".join(invocation.logs),
        )

    def _report_line(
        self, request_id: str, duration_ms: float, init_ms: float | None, kind: OutcomeKind
    ) -> str:
        line = (
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Billed Duration: {billed_ms(duration_ms, init_ms)} ms\t"
            f"Memory Size: {self.function.memory_size} MB\t"
            f"Max Memory Used: {self.peak_rss_bytes() // (1024 * 1024)} MB"
        )
        if init_ms is not None:
            line += f"\tInit Duration: {init_ms:.2f} ms"
        if kind == "timeout":
            line += "\tStatus: timeout"
        return line + "\n"

    # ------------------------------------------------------------- Runtime API
    async def _next(self, request: web.Request) -> web.StreamResponse:
        self._init_done.set()
        get = asyncio.create_task(self._inbox.get())
        closed = asyncio.create_task(self._closed.wait())
        try:
            await asyncio.wait({get, closed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            closed.cancel()
        if not get.done():
            get.cancel()
            return web.json_response({"errorType": "Runtime.Shutdown"}, status=410)
        invocation = get.result()
        self._current = invocation
        headers = {
            "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
            "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": invocation.function_arn,
            "Lambda-Runtime-Trace-Id": _trace_id(),
            "Content-Type": "application/json",
        }
        if invocation.client_context:
            headers["Lambda-Runtime-Client-Context"] = invocation.client_context
        return web.Response(body=invocation.payload, headers=headers)

    def _check_current(self, request: web.Request) -> _Invocation | web.Response:
        current = self._current
        if current is None:
            return web.json_response(
                {"errorType": "InvalidStateTransition", "errorMessage": "No invocation"},
                status=403,
            )
        if request.match_info["rid"] != current.request_id or current.future.done():
            return web.json_response(
                {"errorType": "InvalidRequestID", "errorMessage": "Invalid request ID"},
                status=400,
            )
        return current

    async def _response(self, request: web.Request) -> web.Response:
        current = self._check_current(request)
        if isinstance(current, web.Response):
            return current
        body = await request.read()
        if len(body) > MAX_RESPONSE_BYTES:
            current.future.set_result(
                (
                    "function_error",
                    _error_body(
                        "Function.ResponseSizeTooLarge",
                        f"Response payload size exceeded maximum allowed payload size "
                        f"({MAX_RESPONSE_BYTES} bytes).",
                    ),
                )
            )
            return web.json_response(
                {"errorType": "RequestEntityTooLarge", "errorMessage": "payload too large"},
                status=413,
            )
        current.future.set_result(("ok", body))
        return web.json_response({"status": "OK"}, status=202)

    async def _error(self, request: web.Request) -> web.Response:
        current = self._check_current(request)
        if isinstance(current, web.Response):
            return current
        body = await request.read()
        current.future.set_result(("function_error", body or _error_body("Unknown", "")))
        return web.json_response({"status": "OK"}, status=202)

    async def _post_init_error(self, request: web.Request) -> web.Response:
        self._init_error = await request.read()
        return web.json_response({"status": "OK"}, status=202)

    # -------------------------------------------------------------- internals
    def _worker_env(self) -> dict[str, str]:
        fn = self.function
        settings = self.settings
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{self._port}",
            "_HANDLER": fn.handler,
            "LAMBDA_TASK_ROOT": str(fn.code_dir),
            "PYTHONPATH": str(fn.code_dir),
            "AWS_LAMBDA_FUNCTION_NAME": fn.name,
            "AWS_LAMBDA_FUNCTION_VERSION": self.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{fn.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": (
                f"{time.strftime('%Y/%m/%d')}/[{self.version}]{self.id}"
            ),
            "AWS_LAMBDA_INITIALIZATION_TYPE": self.init_type,
            "AWS_REGION": settings.region,
            "AWS_DEFAULT_REGION": settings.region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.runtime}",
            "AWS_ACCESS_KEY": "local",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_SESSION_TOKEN": "local",
            "LAMBDA_RUNTIME_DIR": runtime_dir() or str(fn.code_dir),
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
            "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
            "AWS_EC2_METADATA_DISABLED": "true",
            "POWERTOOLS_TRACE_DISABLED": "true",
        }
        # the function's own variables never replace Lambda's (config.RESERVED_ENVIRONMENT)
        env.update({k: v for k, v in fn.environment.items() if k not in RESERVED_ENVIRONMENT})
        env.pop("AWS_LAMBDA_MAX_CONCURRENCY", None)  # would switch awslambdaric to fork mode
        return env

    async def _read_logs(self) -> None:
        assert self.process is not None
        assert self.process.stdout is not None
        stream = self.process.stdout
        prefix = f"[{self.function.name}/{self.id}] "
        while True:
            raw = await stream.readline()
            if not raw:
                return
            line = raw.decode(errors="replace")
            if not line.endswith("\n"):
                line += "\n"
            current = self._current
            if current is not None:
                current.logs.append(line)
            else:
                self._init_logs.append(line)
            if self.settings.echo_logs:
                os.write(2, (prefix + line).encode())

    async def _watch_exit(self) -> None:
        assert self.process is not None
        self._exit_status = await self.process.wait()
        current = self._current
        if current is not None and not current.future.done():
            current.future.set_result(
                (
                    "crash",
                    _error_body(
                        "Runtime.ExitError",
                        f"RequestId: {current.request_id} Error: Runtime exited with error: "
                        f"{_exit_text(self._exit_status)}",
                    ),
                )
            )
        else:
            with contextlib.suppress(asyncio.QueueEmpty):
                pending = self._inbox.get_nowait()
                if not pending.future.done():
                    pending.future.set_result(
                        (
                            "crash",
                            _error_body(
                                "Runtime.ExitError",
                                f"RequestId: {pending.request_id} Error: Runtime exited with "
                                f"error: {_exit_text(self._exit_status)}",
                            ),
                        )
                    )
        self._closed.set()


@functools.cache
def runtime_dir() -> str:
    """Stand-in for Lambda's ``/var/runtime``: the directory holding ``awslambdaric``."""
    spec = importlib.util.find_spec("awslambdaric")
    if spec is None or spec.origin is None:
        return ""  # the runtime interpreter may still have it; Lambda's value is informational
    return str(Path(spec.origin).resolve().parent.parent)


def _error_body(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


def _exit_text(status: int | None) -> str:
    if status is None:
        return "unknown"
    if status < 0:
        return f"signal: {signal.Signals(-status).name.removeprefix('SIG').lower()}"
    return f"exit status {status}"


def _trace_id() -> str:
    now = int(time.time())
    return f"Root=1-{now:08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0"


def _proc_status_kb(pid: int | None, key: str) -> int:
    if pid is None:
        return 0
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return 0
    return 0
