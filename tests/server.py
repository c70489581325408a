"""A real `healthtech-lod serve` on a free loopback port, for end-to-end and browser tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

COMMAND = Path(sys.executable).with_name("healthtech-lod")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll ``url`` until it answers; fail with the server's log if it dies or stalls."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited ({process.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    pytest.fail(f"the server did not answer within 30 s:\n{log.read_text()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate the server's process group, killing it if it lingers."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def start(
    data_root: Path,
    folder: Path,
    settings: dict[str, str] | None = None,
    workers: int = 1,
    options: tuple[str, ...] = (),
) -> tuple[subprocess.Popen[bytes], str, Path]:
    """Start the real service over ``data_root`` (stores and log under ``folder``) with
    ``settings`` (names without the HEALTHTECH_LOD_ prefix), in a process group of
    its own (``options``: more arguments of ``serve``): the process, its base URL and
    its log."""
    port = free_port()
    env = {
        **os.environ,
        "HEALTHTECH_LOD_DATA_ROOT": str(data_root),
        "HEALTHTECH_LOD_STORE_CACHE_DIR": str(folder / "stores"),
        "HEALTHTECH_LOD_RATE_LIMIT": "0",
        "HEALTHTECH_LOD_MAX_QUERIES_PER_CLIENT": "0",
        **{f"HEALTHTECH_LOD_{name}": value for name, value in (settings or {}).items()},
    }
    log = folder / "server.log"
    command = [str(COMMAND), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, "--workers", str(workers), *options],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process, f"http://127.0.0.1:{port}", log


@contextmanager
def serving(
    data_root: Path, folder: Path, settings: dict[str, str] | None = None, workers: int = 1
) -> Iterator[str]:
    """Run the real service (``start``) until it answers; yields its base URL and
    always stops it."""
    process, base, log = start(data_root, folder, settings, workers)
    try:
        wait_until_up(f"{base}/context.jsonld", process, log)
        yield base
    finally:
        stop(process)
