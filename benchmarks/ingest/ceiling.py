"""Reference ceilings on this machine: redis-server itself and the disk's fsync latency.

``python -m benchmarks.ingest.ceiling`` appends a section to ``RESULTS.md``: ``redis-benchmark``
(SET and a Lua-free XADD, 50 clients) against redis-server with ``appendfsync always`` and
``everysec``, and fsync latency of a small append in the same file system, so the surge figures
can be read against what Redis and the disk alone can do here.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from exam_stack.localstack.processes import start_redis

HERE = Path(__file__).parent


def fsync_latency_ms(directory: Path, samples: int = 200) -> tuple[float, float]:
    path = directory / "fsync.probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    times = []
    try:
        for _ in range(samples):
            os.write(fd, b"x" * 256)
            start = time.perf_counter()
            os.fsync(fd)
            times.append((time.perf_counter() - start) * 1000)
    finally:
        os.close(fd)
    times.sort()
    return statistics.median(times), times[int(samples * 0.99) - 1]


def redis_benchmark(port: int, runs: int = 3) -> dict[str, float]:
    results: dict[str, list[float]] = {}
    commands = {"SET": ["-t", "set"], "XADD": ["xadd", "bench:stream", "*", "f", "v"]}
    for name, args in commands.items():
        for _ in range(runs):
            out = subprocess.run(
                ["redis-benchmark", "-p", str(port), "-c", "50", "-n", "20000", "-q", *args],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            match = re.findall(r"([\d.]+) requests per second", out)
            results.setdefault(name, []).append(float(match[-1]))
    return {name: statistics.median(values) for name, values in results.items()}


def main() -> None:
    lines = ["", "## Reference ceilings (same machine, `python -m benchmarks.ingest.ceiling`)", ""]
    lines += ["| what | appendfsync | requests/s (median of 3) |", "|---|---|---|"]
    with tempfile.TemporaryDirectory(prefix="ingest-ceiling-") as tmp:
        for fsync in ("always", "everysec"):
            server = start_redis(Path(tmp) / fsync, appendfsync=fsync)
            try:
                for name, rate in redis_benchmark(server.port).items():
                    lines.append(f"| redis-benchmark {name}, 50 clients | {fsync} | {rate:,.0f} |")
            finally:
                server.stop()
        p50, p99 = fsync_latency_ms(Path(tmp))
    lines += ["", f"fsync of a 256-byte append: p50 {p50:.2f} ms, p99 {p99:.2f} ms.", ""]
    lines.append(f"Load average when measured: {'/'.join(f'{x:.1f}' for x in os.getloadavg())}.")
    results = HERE / "RESULTS.md"
    results.write_text(results.read_text() + "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
