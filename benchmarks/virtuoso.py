"""Virtuoso Open Source (Debian's `virtuoso-opensource`, `virtuoso-t` and `isql-vt`) for the
benchmarks: a server in a temporary folder, bound to 127.0.0.1, that bulk-loads N-Quads
with ``ld_dir`` + ``rdf_loader_run`` (each quad into its own graph) and answers SPARQL over
HTTP at ``/sparql``.

    server = Virtuoso(folder)           # writes virtuoso.ini, picks two free ports
    seconds = server.load(path_to_nq)   # starts, loads, checkpoints: the load time
    server.restart()                    # empty buffer pool: the next queries are cold
    server.stop()

Settings: the buffer sizes Virtuoso's own documentation gives for a machine with 4 GB to
spare (``NumberOfBuffers = 340000``, ``MaxDirtyBuffers = 250000``), ``ResultSetMaxRows``
raised to 1 000 000 (every engine returns the full answer), no cost-estimate refusal, and
``MaxQueryExecutionTime`` a little above the benchmark's client time limit, so that a query
the client gave up on does not keep a core busy. Everything else is Debian's default.
"""

from __future__ import annotations

import gzip
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from load import stop_group

HOST = "127.0.0.1"
SERVER = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"
ISQL = shutil.which("isql-vt") or "/usr/bin/isql-vt"
#: Graph given to ld_dir: only used for triples without a graph (the dumps have none).
FALLBACK_GRAPH = "https://w3id.org/lu-healthtech/graph/default"

INI = """\
[Database]
DatabaseFile       = {db}/virtuoso.db
ErrorLogFile       = {db}/virtuoso.log
LockFile           = {db}/virtuoso.lck
TransactionFile    = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {db}/virtuoso-temp.db
TransactionFile    = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort               = {host}:{sql_port}
LiteMode                 = 0
DisableUnixSocket        = 1
DisableTcpSocket         = 0
MaxClientConnections     = 10
CheckpointInterval       = 60
O_DIRECT                 = 0
CaseMode                 = 2
MaxStaticCursorRows      = 5000
CheckpointAuditTrail     = 0
AllowOSCalls             = 0
SchedulerInterval        = 10
DirsAllowed              = ., {data}
ThreadCleanupInterval    = 0
ThreadThreshold          = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize        = 100000
SingleCPU                = 0
PrefixResultNames        = 0
RdfFreeTextRulesSize     = 100
IndexTreeMaps            = 64
MaxMemPoolSize           = 200000000
MaxQueryMem              = 2G
VectorSize               = 1000
MaxVectorSize            = 1000000
AdjustVectorSize         = 0
ThreadsPerQuery          = 4
AsyncQueueMaxThreads     = 10
NumberOfBuffers          = {buffers}
MaxDirtyBuffers          = {dirty}

[HTTPServer]
ServerPort                  = {host}:{http_port}
ServerRoot                  = {db}/vsp
MaxClientConnections        = 10
DavRoot                     = DAV
EnabledDavVSP               = 0
HTTPProxyEnabled            = 0
TempASPXDir                 = 0
ServerThreads               = 10
MaxKeepAlives               = 10
KeepAliveTimeout            = 10
MaxCachedProxyConnections   = 10
ProxyConnectionCacheTimeout = 15
HTTPThreadSize              = 280000
HttpPrintWarningsInOutput   = 0
Charset                     = UTF-8
EnabledGzipContent          = 0

[AutoRepair]
BadParentLinks = 0

[Client]
SQL_PREFETCH_ROWS  = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT  = 0
SQL_TXN_TIMEOUT    = 0

[SPARQL]
ResultSetMaxRows           = 1000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime      = {max_seconds}
DeferInferenceRulesInit    = 0
"""


class VirtuosoError(Exception):
    """Virtuoso did not start, did not load, or died."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def version() -> str:
    """`virtuoso-t --version`'s version line, e.g. '7.2.5.3229-pthreads'."""
    try:
        out = subprocess.run(
            [SERVER, "--version"], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "not installed"
    for line in (out.stdout + out.stderr).splitlines():
        if line.startswith("Version"):
            return line.split()[1]
    return "unknown"


@dataclass
class Virtuoso:
    """One Virtuoso server whose database, configuration and log live in ``folder``."""

    folder: Path
    #: Seconds after which Virtuoso stops a query by itself.
    max_seconds: int = 70
    buffers: int = 340_000
    dirty: int = 250_000
    sql_port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def db(self) -> Path:
        return self.folder / "db"

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def ini(self) -> Path:
        return self.db / "virtuoso.ini"

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.http_port}/sparql"

    @property
    def log(self) -> Path:
        return self.db / "virtuoso.log"

    def configure(self) -> None:
        self.db.mkdir(parents=True, exist_ok=True)
        (self.db / "vsp").mkdir(exist_ok=True)
        self.data.mkdir(parents=True, exist_ok=True)
        self.ini.write_text(
            INI.format(
                db=self.db,
                data=self.data,
                host=HOST,
                sql_port=self.sql_port,
                http_port=self.http_port,
                buffers=self.buffers,
                dirty=self.dirty,
                max_seconds=self.max_seconds,
            )
        )

    def start(self, timeout: float = 180) -> float:
        """Start the server in the foreground (its own process group) and wait until
        /sparql answers; returns the seconds it took."""
        if not self.ini.exists():
            self.configure()
        started = time.monotonic()
        with (self.folder / "virtuoso.out").open("ab") as out:
            self.process = subprocess.Popen(
                [SERVER, "+foreground", "+configfile", str(self.ini)],
                cwd=self.db,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise VirtuosoError(
                    f"virtuoso-t exited with status {self.process.returncode}: {self.log_tail()}"
                )
            if self._answers():
                return time.monotonic() - started
            time.sleep(0.2)
        raise VirtuosoError(f"/sparql did not answer within {timeout:g} s: {self.log_tail()}")

    def _answers(self) -> bool:
        query = urllib.parse.urlencode({"query": "ASK {}"})
        request = urllib.request.Request(
            f"{self.endpoint}?{query}", headers={"Accept": "application/sparql-results+json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=2) as answer:
                answer.read()
                return bool(answer.status == 200)
        except (OSError, urllib.error.HTTPError):
            return False

    def isql(self, script: str, timeout: float = 3600) -> str:
        """Run SQL statements through isql-vt (dba/dba); raises VirtuosoError on an error."""
        done = subprocess.run(
            [ISQL, f"{HOST}:{self.sql_port}", "dba", "dba", "VERBOSE=OFF", "PROMPT=OFF"],
            input=script + "\n",
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        output = done.stdout + done.stderr
        if done.returncode != 0 or "*** Error" in output:
            raise VirtuosoError(f"isql failed ({done.returncode}): {output[-2000:]}")
        return output

    def load(self, dump: Path) -> float:
        """Start the server, bulk-load the N-Quads ``dump`` (.nq or .nq.gz, copied
        uncompressed into the data folder), checkpoint; returns the seconds from the
        start of ``ld_dir`` to the end of the checkpoint (not counting the copy)."""
        self.configure()
        target = self.data / (dump.name[:-3] if dump.suffix == ".gz" else dump.name)
        if dump.suffix == ".gz":
            with gzip.open(dump, "rb") as packed, target.open("wb") as raw:
                shutil.copyfileobj(packed, raw, 1 << 20)
        else:
            shutil.copyfile(dump, target)
        self.start()
        started = time.monotonic()
        self.isql(
            f"ld_dir('{self.data}', '{target.name}', '{FALLBACK_GRAPH}');\n"
            "rdf_loader_run();\n"
            "checkpoint;\n"
        )
        seconds = time.monotonic() - started
        check = self.isql(
            "SELECT 'FAILED=' || CAST(COUNT(*) AS VARCHAR) FROM DB.DBA.load_list"
            " WHERE ll_error IS NOT NULL OR ll_state <> 2;"
        )
        failed = re.search(r"FAILED=(\d+)", check)
        if failed is None or failed[1] != "0":
            listing = self.isql("SELECT ll_file, ll_state, ll_error FROM DB.DBA.load_list;")
            raise VirtuosoError(f"the bulk load did not complete: {listing[-2000:]}")
        target.unlink()  # the database holds it now
        return seconds

    def stop(self) -> None:
        """Shut down (SIGTERM: Virtuoso checkpoints and exits), SIGKILL if it lingers."""
        if self.process is not None:
            stop_group(self.process, grace=120)
        self.process = None

    def restart(self) -> float:
        """Stop and start again (an empty buffer pool); returns the start's seconds."""
        self.stop()
        return self.start()

    def database_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.db.glob("virtuoso*.db"))

    def rss_kib(self) -> int:
        if self.process is None:
            return 0
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return 0
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"
