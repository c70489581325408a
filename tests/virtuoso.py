"""A throwaway Virtuoso Open Source on loopback, for the SPARQL-backend tests.

Debian's `virtuoso-opensource` (`.ci/run` installs it; without it the tests are
skipped, see programs.py): a database in a temporary folder, the SQL and HTTP ports
on 127.0.0.1 only, N-Quads loaded with the bulk loader (`ld_dir` + `rdf_loader_run`,
each quad into its own graph).
"""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from programs import require_program
from server import free_port

SERVER = "virtuoso-t"
ISQL = "isql-vt"
VSP = Path("/var/lib/virtuoso-opensource-7/vsp")

INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
CheckpointInterval = 0
DirsAllowed = ., {data}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {vsp}
ServerThreads = 10

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 60
"""


def require_virtuoso() -> None:
    """Skip (fail under HEALTHTECH_LOD_REQUIRE_ALL=1) without Virtuoso's programs."""
    for command in (SERVER, ISQL):
        require_program(command, "apt-get install -y virtuoso-opensource (.ci/run does it)")


@contextmanager
def virtuoso(folder: Path, nquads: Path) -> Iterator[str]:
    """Run Virtuoso with ``nquads`` (.nq or .nq.gz) loaded; yields its SPARQL endpoint
    URL and always stops it."""
    require_virtuoso()
    db, data = folder / "db", folder / "data"
    db.mkdir(parents=True)
    data.mkdir()
    shutil.copy(nquads, data / nquads.name)
    sql, http = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(INI.format(db=db, data=data, sql=sql, http=http, vsp=VSP), encoding="utf-8")
    log = folder / "virtuoso.out"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [SERVER, "-f", "-c", str(ini)], cwd=folder, stdout=output, stderr=subprocess.STDOUT
        )
    endpoint = f"http://127.0.0.1:{http}/sparql"
    try:
        _wait(endpoint, process, log)
        pattern = "*.nq.gz" if nquads.name.endswith(".gz") else "*.nq"
        _isql(
            sql,
            f"ld_dir('{data}', '{pattern}', 'urn:healthtech-lod:unused'); "
            "rdf_loader_run(); checkpoint;",
        )
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _isql(port: int, statements: str) -> None:
    result = subprocess.run(
        [ISQL, f"127.0.0.1:{port}", "dba", "dba", f"exec={statements}"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0 or "Error" in result.stdout + result.stderr:
        pytest.fail(f"isql failed:\n{result.stdout}\n{result.stderr}")


def _wait(endpoint: str, process: subprocess.Popen[bytes], log: Path) -> None:
    query = urllib.parse.urlencode({"query": "ASK {}"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Virtuoso exited ({process.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{endpoint}?{query}", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    pytest.fail(f"Virtuoso did not answer within 60 s:\n{log.read_text()}")
