"""Dereferencing throughput and latency with wrk, and the servers it runs against.

``wrk(port, paths, accept, …)`` runs Debian's wrk (``apt-get install wrk``) against
``http://127.0.0.1:{port}`` for a fixed time with a fixed number of connections, each request
the next path of ``paths`` (round robin, per wrk thread) with the given ``Accept`` header,
and returns what its Lua ``done`` hook reports: requests, seconds, bytes, errors (connect,
read, write, timeout, non-2xx/3xx statuses) and latency percentiles in milliseconds.

``ServiceServer`` is load.py's ``Server`` (the real `healthtech-lod serve` in its own process
group, stopped by SIGTERM then SIGKILL) opening a built folder (``--store``);
``TrivialServer`` is gunicorn serving ``trivial_app.py`` with the same worker class, worker
and thread counts and bind address.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from load import HOST, Server

BENCHMARKS = Path(__file__).resolve().parent
WRK = shutil.which("wrk") or "/usr/bin/wrk"
GUNICORN = Path(sys.executable).with_name("gunicorn")

LUA = """\
local paths = {%(paths)s}
local counter = 0
wrk.headers["Accept"] = %(accept)s

request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "bytes": %%d, "connect": %%d, ' ..
    '"read": %%d, "write": %%d, "status": %%d, "timeout": %%d, "p50_us": %%d, ' ..
    '"p90_us": %%d, "p99_us": %%d, "mean_us": %%f, "max_us": %%d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean, latency.max))
end
"""


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid Lua string literal for ASCII text


def version() -> str:
    try:
        out = subprocess.run([WRK, "--version"], capture_output=True, text=True, check=False)
    except OSError:
        return "not installed"
    return (
        (out.stdout + out.stderr).splitlines()[0].split(" [")[0]
        if out.stdout or out.stderr
        else "?"
    )


def connections_by_process(port: int) -> dict[int, int]:
    """Established connections to ``port``, counted by the pid that holds them (`ss`)."""
    try:
        out = subprocess.run(
            ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return {}
    return dict(Counter(int(pid) for pid in re.findall(r"pid=(\d+)", out)))


def wrk(
    port: int,
    paths: list[str],
    accept: str,
    seconds: float,
    connections: int = 8,
    threads: int = 2,
    workers: list[int] | None = None,
) -> dict[str, Any]:
    """One wrk run; raises RuntimeError if wrk fails or reports nothing. With the
    server's worker pids, also how wrk's keep-alive connections were spread over them
    (sampled half-way): a gthread worker holds the connections it accepted, and one
    worker is one core at most (the GIL)."""
    script = LUA % {
        "paths": ", ".join(_lua_string(p) for p in paths),
        "accept": _lua_string(accept),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
        lua = handle.name
    spread: dict[int, int] = {}
    sampler = threading.Timer(seconds / 2, lambda: spread.update(connections_by_process(port)))
    sampler.daemon = True
    sampler.start()
    try:
        done = subprocess.run(
            [
                WRK,
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds:g}s",
                "--timeout",
                "10s",
                "-s",
                lua,
                f"http://{HOST}:{port}",
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=False,
        )
    finally:
        sampler.cancel()
        Path(lua).unlink(missing_ok=True)
    for line in done.stdout.splitlines():
        if line.startswith("WRKJSON "):
            raw = json.loads(line[len("WRKJSON ") :])
            break
    else:
        raise RuntimeError(f"wrk reported nothing (status {done.returncode}): {done.stderr}")
    seconds_run = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "seconds": seconds_run,
        "rps": raw["requests"] / seconds_run if seconds_run else 0.0,
        "bytes_per_response": raw["bytes"] / raw["requests"] if raw["requests"] else 0,
        "errors": {k: raw[k] for k in ("connect", "read", "write", "status", "timeout")},
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "mean_ms": raw["mean_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "connections": connections,
        "threads": threads,
        "connections_per_worker": sorted((spread.get(pid, 0) for pid in workers), reverse=True)
        if workers
        else None,
    }


@dataclass
class ServiceServer(Server):
    """`healthtech-lod serve --store DIR`."""

    store: Path | None = None

    @property
    def command(self) -> list[str]:
        command = super().command
        if self.store is not None:
            command += ["--store", str(self.store)]
        return command


@dataclass
class TrivialServer(Server):
    """gunicorn serving trivial_app:app like the service: its front (gthread extended),
    ``workers`` workers,
    ``threads`` threads each, on 127.0.0.1."""

    threads: int = 4

    @property
    def command(self) -> list[str]:
        return [
            str(GUNICORN),
            "--chdir",
            str(BENCHMARKS),
            "--worker-class",
            "healthtech_lod.front.BufferingWorker",  # the service's front, its defaults
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--bind",
            f"{HOST}:{self.port}",
            "--no-control-socket",
            "trivial_app:app",
        ]
