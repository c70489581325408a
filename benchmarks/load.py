"""Load and soak benchmark of the real service: `healthtech-lod serve` under mixed traffic.

Run it from the repository root:

    .venv/bin/python benchmarks/load.py                       # 60 s, 8 clients, 2 gunicorn workers
    .venv/bin/python benchmarks/load.py --duration 10         # a quick smoke run
    .venv/bin/python benchmarks/load.py --duration 600 --clients 16 --workers 4 --markdown load.md

What it does:

1. Starts the real service (gunicorn, gthread workers, each with its pool of query worker
   processes) over the repository's own data on a free loopback port, with downloads and
   stores in a temporary folder, RATE_LIMIT=0 and MAX_QUERIES_PER_CLIENT=0 (all the load
   comes from one address) and a short QUERY_TIMEOUT (5 s), and waits until /health
   answers. The server is always stopped (SIGTERM to its process group, then SIGKILL), on
   Ctrl-C and on errors too.
2. Reads its workload from the data: entity slugs under https://w3id.org/lu-healthtech/id/,
   the example queries (sh:select), the classes, the dump's checksum.
3. Warms up with the same mix for a few seconds, samples memory, then runs --clients
   client threads (stdlib http.client, keep-alive) for --duration seconds, each picking at
   random: dereferencing (/id/{slug} 303 then /doc/{slug} as Turtle, JSON-LD or HTML),
   SPARQL (an example query, a count of one class, an ASK; a share --fresh of them made
   unique by a comment so that they run in a query worker, the others repeated so that
   the answer cache may serve them), a search (with and without accents), /browse and a
   class page, /download/ and a dump file. One more client sends a runaway
   cartesian-product query every few seconds: its expected answer is 503 at the time
   limit.
4. Records every request (kind, status, latency). An error is any status other than
   2xx/3xx, a connection failure, or an answer that is not what the route promises (an
   /id/ that is not a 303, a wrong Content-Type, a dump whose SHA-256 differs); the
   runaway client's 503s are "intended" and counted apart, a 503 for any other request
   is an error.
5. Samples the resident memory (VmRSS) of the gunicorn master, each gunicorn worker and
   each query worker process (children of the gunicorn workers) after the warm-up, every
   few seconds during the run, and at the end; checks the server's log for tracebacks,
   errors and worker restarts, and counts its access log's lines for the run (statuses,
   SPARQL answers run or taken from the cache).
6. Prints a Markdown report (command, date, machine, settings, throughput and latency
   percentiles per kind, errors, memory start vs end) and writes it to --markdown FILE.

Exit status: 0 when there was no unexpected error, 1 otherwise (the server log's tail is
printed), 130 on Ctrl-C. The load generator runs on the same machine as the service and
competes with it for the CPU: the figures measure the whole machine, not the service alone.
Standard library only (plus the package itself, to read its setting defaults).
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import math
import os
import platform
import random
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMMAND = Path(sys.executable).with_name("healthtech-lod")
HOST = "127.0.0.1"
ENTITY_BASE = "https://w3id.org/lu-healthtech/id/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SPARQL_JSON = "application/sparql-results+json"
#: Five triple patterns sharing no variable: a cartesian product far past any time limit.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
#: Search texts: with and without accents, one and several words.
SEARCHES = (
    "universite",
    "université",
    "Universite du Luxembourg",
    "luxembourg",
    "health",
    "santé",
    "sante",
    "institute",
    "biohealth",
    "hopital",
)
#: Documents by Accept header, and the media type each must come back as.
DOCUMENT_FORMATS = {
    "turtle": ("text/turtle", "text/turtle"),
    "jsonld": ("application/ld+json", "application/ld+json"),
    "html": (BROWSER, "text/html"),
}
SLUG = re.compile(r"(source/)?[A-Za-z0-9][A-Za-z0-9_~-]*")
#: Settings reported from the package's defaults when the environment does not set them.
REPORTED_SETTINGS = (
    "QUERY_TIMEOUT",
    "QUERY_WORKERS",
    "QUERY_QUEUE_TIMEOUT",
    "SERVER_THREADS",
    "RATE_LIMIT",
    "MAX_QUERIES_PER_CLIENT",
    "MAX_RESULT_ROWS",
    "MAX_QUERY_LENGTH",
    "RESULT_CACHE_BYTES",
    "ACCESS_LOG",
)
#: Server log lines that mean trouble during the run.
LOG_PROBLEMS = re.compile(
    r"Traceback|\[ERROR\]|\[CRITICAL\]|WORKER TIMEOUT|was sent SIG|query workers unavailable"
)


# --- options ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    duration: float
    clients: int
    workers: int
    query_timeout: float
    query_workers: int | None
    runaway_every: float
    warmup: float
    sample_every: float
    dump: str
    fresh: float
    seed: int
    markdown: Path | None
    keep: bool


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        description="Load and soak the real healthtech-lod service; report throughput, "
        "latency, errors and memory.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--duration", type=float, default=60, help="seconds of measured load")
    parser.add_argument("--clients", type=int, default=8, help="concurrent mixed clients")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument(
        "--query-timeout", type=float, default=5, help="the server's QUERY_TIMEOUT, seconds"
    )
    parser.add_argument(
        "--query-workers",
        type=int,
        default=None,
        help="the server's QUERY_WORKERS (None: the package's own default)",
    )
    parser.add_argument(
        "--runaway-every",
        type=float,
        default=3,
        help="seconds the runaway client waits after each answer (0: no runaway client)",
    )
    parser.add_argument("--warmup", type=float, default=5, help="seconds of unmeasured load")
    parser.add_argument(
        "--sample-every", type=float, default=5, help="seconds between memory samples"
    )
    parser.add_argument("--dump", default="healthtech-lod.ttl", help="the dump file to fetch")
    parser.add_argument(
        "--fresh",
        type=float,
        default=0.5,
        help="share of SPARQL queries made unique, so that no answer cache serves them",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the clients' choices")
    parser.add_argument("--markdown", type=Path, default=None, help="also write the report here")
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary folder (server log, stores)"
    )
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.clients < 1 or args.workers < 1 or args.query_timeout <= 0:
        parser.error("--duration, --clients, --workers and --query-timeout must be positive")
    return Options(
        duration=args.duration,
        clients=args.clients,
        workers=args.workers,
        query_timeout=args.query_timeout,
        query_workers=args.query_workers,
        runaway_every=args.runaway_every,
        warmup=max(0.0, args.warmup),
        sample_every=max(0.5, args.sample_every),
        dump=args.dump,
        fresh=min(1.0, max(0.0, args.fresh)),
        seed=args.seed,
        markdown=args.markdown,
        keep=args.keep,
    )


# --- the server ------------------------------------------------------------------------------


def stop_group(process: subprocess.Popen[bytes], grace: float) -> bool:
    """SIGTERM to ``process``'s group, SIGKILL after ``grace`` seconds; whether it had
    to be killed. Nothing to do for a process already gone."""
    if process.poll() is not None:
        return False
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
        return False
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        return True
    except ProcessLookupError:
        return False


class ServerError(Exception):
    """The server did not start, or died."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _setting_value(value: float | int | None) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


@dataclass
class Server:
    """`healthtech-lod serve` in its own process group, its files under ``folder``."""

    folder: Path
    workers: int
    settings: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    exit_code: int | None = None
    killed: bool = False
    #: Keep ``folder`` after the run (set when the run failed, to read the log).
    keep: bool = False

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    @property
    def command(self) -> list[str]:
        return [
            str(COMMAND),
            "serve",
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
        ]

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            **{f"HEALTHTECH_LOD_{name}": value for name, value in self.settings.items()},
        }

    def start(self, timeout: float = 120) -> None:
        """Start the server and wait until /health answers 200; raises ServerError."""
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(
                self.command,
                env=self.environment(),
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"the server exited with status {self.process.returncode}")
            try:
                connection = http.client.HTTPConnection(HOST, self.port, timeout=2)
                connection.request("GET", "/health")
                response = connection.getresponse()
                response.read()
                connection.close()
                if response.status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise ServerError(f"/health did not answer 200 within {timeout:g} s")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """SIGTERM to the process group, SIGKILL if it lingers; idempotent."""
        process = self.process
        if process is None:
            return
        if stop_group(process, grace=20):
            self.killed = True
        self.exit_code = process.returncode
        # Query workers watch their owner and exit by themselves; make sure of it.
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return "(no server log)"
        return "\n".join(text[-lines:])


@contextmanager
def serving(options: Options) -> Iterator[Server]:
    """A started server in a temporary folder; always stopped, the folder removed
    unless ``--keep`` (or the run failed: then its path is printed)."""
    folder = Path(tempfile.mkdtemp(prefix="healthtech-lod-load-"))
    settings = {
        "DATA_ROOT": str(REPO),
        "STORE_CACHE_DIR": str(folder / "stores"),
        "RATE_LIMIT": "0",
        "MAX_QUERIES_PER_CLIENT": "0",
        "QUERY_TIMEOUT": _setting_value(options.query_timeout),
    }
    if options.query_workers is not None:
        settings["QUERY_WORKERS"] = str(options.query_workers)
    server = Server(folder, options.workers, settings, keep=options.keep)
    failed = True
    try:
        try:
            server.start()
        except ServerError:
            print(f"--- server log (tail) ---\n{server.log_tail()}\n---", file=sys.stderr)
            raise
        yield server
        failed = False
    finally:
        server.stop()
        if server.keep or failed:
            print(f"server files kept in {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)


# --- HTTP ------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str:
        return self.headers.get(name, "")


class Client:
    """One keep-alive connection to the server; reconnects when the server closed it."""

    def __init__(self, port: int, timeout: float) -> None:
        self.port = port
        self.timeout = timeout
        self.connection: http.client.HTTPConnection | None = None
        self.used = False
        self.reconnects = 0

    def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> Answer:
        """Send one request and read the whole answer. A connection the server had
        closed while idle (keep-alive) is reopened and the request sent once more."""
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
                self.used = False
            reused = self.used
            try:
                self.connection.request(method, path, body=body, headers=headers or {})
                response = self.connection.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if reused and attempt == 1:
                    self.reconnects += 1
                    continue
                raise
            except (OSError, http.client.HTTPException):
                self.close()
                raise
            self.used = True
            if response.will_close:
                self.close()
            return Answer(response.status, response.headers, data)
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


# --- the workload ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    """What the clients ask for, read from the served data at the start."""

    slugs: tuple[str, ...]
    examples: tuple[str, ...]
    classes: tuple[str, ...]
    browse_names: tuple[str, ...]
    dump: str
    dump_sha256: str
    #: Share of SPARQL queries made unique (a comment), so that no answer cache serves them.
    fresh: float = 0.5


def sparql_select(client: Client, query: str) -> list[dict[str, str]]:
    """The bindings of a SELECT, each variable's value as a string."""
    answer = client.request(
        "POST",
        "/sparql",
        {"Accept": SPARQL_JSON, "Content-Type": "application/x-www-form-urlencoded"},
        urllib.parse.urlencode({"query": query}).encode(),
    )
    if answer.status != 200:
        raise ServerError(f"discovery query answered {answer.status}: {answer.body[:200]!r}")
    rows = json.loads(answer.body)["results"]["bindings"]
    return [{name: value["value"] for name, value in row.items()} for row in rows]


def discover(client: Client, dump: str, fresh: float) -> Workload:
    """Slugs, example queries, classes and the dump's checksum, from the server itself."""
    subjects = sparql_select(
        client,
        "SELECT DISTINCT ?s WHERE { ?s ?p ?o "
        f'FILTER (isIRI(?s) && STRSTARTS(STR(?s), "{ENTITY_BASE}")) }} ORDER BY ?s',
    )
    slugs = tuple(
        slug
        for row in subjects
        if SLUG.fullmatch(slug := row["s"][len(ENTITY_BASE) :]) and slug != "dataset"
    )
    examples = tuple(
        row["q"]
        for row in sparql_select(
            client, "PREFIX sh: <http://www.w3.org/ns/shacl#> SELECT ?q WHERE { ?x sh:select ?q }"
        )
    )
    classes = tuple(
        row["c"] for row in sparql_select(client, "SELECT DISTINCT ?c WHERE { ?s a ?c }")
    )
    browse = client.request("GET", "/browse", {"Accept": "application/json"})
    browse_names = tuple(entry["name"] for entry in json.loads(browse.body))
    sums = client.request("GET", "/download/SHA256SUMS")
    checksums = dict(
        reversed(line.split(None, 1)) for line in sums.body.decode().splitlines() if line.strip()
    )
    if not slugs or not examples or not classes or dump not in checksums:
        raise ServerError(
            f"the workload is incomplete: {len(slugs)} slugs, {len(examples)} examples, "
            f"{len(classes)} classes, dump {dump!r} in SHA256SUMS: {dump in checksums}"
        )
    return Workload(slugs, examples, classes, browse_names, dump, checksums[dump], fresh)


# --- recording -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One request: its kind, status (0: no answer), latency, and what was wrong."""

    kind: str
    status: int
    ms: float
    error: str | None = None
    intended: bool = False
    path: str = ""


class Recorder:
    """Samples from every client thread."""

    def __init__(self) -> None:
        self.samples: list[Sample] = []
        self.lock = threading.Lock()
        self.reconnects = 0

    def add(self, sample: Sample) -> int:
        """Keep ``sample``; returns its index, for ``flag``."""
        with self.lock:
            self.samples.append(sample)
            return len(self.samples) - 1

    def flag(self, index: int, problem: str) -> None:
        """Make sample ``index`` an error: its answer broke the route's promise."""
        with self.lock:
            sample = self.samples[index]
            if sample.error is None:
                self.samples[index] = Sample(
                    sample.kind, sample.status, sample.ms, problem, path=sample.path
                )


@dataclass(frozen=True)
class Timed:
    """A recorded request: its answer (None if there was none) and its sample's index."""

    answer: Answer | None
    index: int


def timed(
    client: Client,
    recorder: Recorder,
    kind: str,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> Timed:
    """Send a request and record it (status 0 if it got no answer)."""
    started = time.perf_counter()
    try:
        answer = client.request(method, path, headers, body)
    except (OSError, http.client.HTTPException) as err:
        ms = (time.perf_counter() - started) * 1000
        return Timed(
            None, recorder.add(Sample(kind, 0, ms, f"{type(err).__name__}: {err}", path=path))
        )
    ms = (time.perf_counter() - started) * 1000
    error = None if 200 <= answer.status < 400 else f"status {answer.status}: {snippet(answer)}"
    return Timed(answer, recorder.add(Sample(kind, answer.status, ms, error, path=path)))


def snippet(answer: Answer) -> str:
    return answer.body[:160].decode(errors="replace").replace("\n", " ")


# --- the clients -----------------------------------------------------------------------------


def expect(recorder: Recorder, sent: Timed, status: int, media: str) -> Answer | None:
    """The answer if it has ``status`` and a Content-Type starting with ``media``;
    else None, and it is flagged as an error (a non-2xx/3xx status already is one)."""
    answer = sent.answer
    if answer is None or not 200 <= answer.status < 400:
        return None
    if answer.status != status:
        recorder.flag(sent.index, f"status {answer.status}, expected {status}: {snippet(answer)}")
        return None
    if media and not answer.header("Content-Type").startswith(media):
        recorder.flag(
            sent.index, f"Content-Type {answer.header('Content-Type')!r}, expected {media}"
        )
        return None
    return answer


def dereference(client: Client, recorder: Recorder, work: Workload, rng: random.Random) -> None:
    """/id/{slug} must answer 303; its Location is fetched with the same Accept."""
    slug = rng.choice(work.slugs)
    name = rng.choice(tuple(DOCUMENT_FORMATS))
    accept, media = DOCUMENT_FORMATS[name]
    headers = {"Accept": accept}
    sent = timed(client, recorder, "id 303", "GET", f"/id/{slug}", headers)
    answer = expect(recorder, sent, 303, "")
    if answer is None:
        return
    location = urllib.parse.urlsplit(answer.header("Location"))
    if not location.path.startswith("/doc/"):
        recorder.flag(sent.index, f"Location {answer.header('Location')!r}")
        return
    expect(
        recorder, timed(client, recorder, f"doc {name}", "GET", location.path, headers), 200, media
    )


def sparql(client: Client, recorder: Recorder, work: Workload, rng: random.Random) -> None:
    """An example query (POSTed as a form), a count of one class or an ASK (GET); a
    "fresh" one ends with a unique comment, so that it runs in a query worker, a
    "repeat" one is the same text as before (the service may answer it from its cache)."""
    choice = rng.random()
    fresh = rng.random() < work.fresh
    suffix = f"\n# load {rng.getrandbits(64):016x}" if fresh else ""
    variant = "fresh" if fresh else "repeat"
    if choice < 0.5:
        kind, query = f"sparql example {variant}", rng.choice(work.examples) + suffix
        sent = timed(
            client,
            recorder,
            kind,
            "POST",
            "/sparql",
            {"Accept": SPARQL_JSON, "Content-Type": "application/x-www-form-urlencoded"},
            urllib.parse.urlencode({"query": query}).encode(),
        )
    else:
        if choice < 0.75:
            kind = f"sparql count {variant}"
            query = f"SELECT (COUNT(?s) AS ?n) WHERE {{ ?s a <{rng.choice(work.classes)}> }}"
        else:
            kind = f"sparql ask {variant}"
            query = f"ASK {{ <{ENTITY_BASE}{rng.choice(work.slugs)}> ?p ?o }}"
        query += suffix
        path = "/sparql?" + urllib.parse.urlencode({"query": query})
        sent = timed(client, recorder, kind, "GET", path, {"Accept": SPARQL_JSON})
    answer = expect(recorder, sent, 200, SPARQL_JSON)
    if answer is not None and kind.startswith("sparql ask"):
        if json.loads(answer.body).get("boolean") is not True:
            recorder.flag(sent.index, f"ASK about a known entity was not true: {snippet(answer)}")


def search(client: Client, recorder: Recorder, work: Workload, rng: random.Random) -> None:
    text = rng.choice(SEARCHES)
    as_json = rng.random() < 0.5
    headers = {"Accept": "application/json" if as_json else BROWSER}
    path = "/search?" + urllib.parse.urlencode({"q": text})
    sent = timed(client, recorder, "search", "GET", path, headers)
    expect(recorder, sent, 200, "application/json" if as_json else "text/html")


def browse(client: Client, recorder: Recorder, work: Workload, rng: random.Random) -> None:
    as_json = rng.random() < 0.5
    headers = {"Accept": "application/json" if as_json else BROWSER}
    media = "application/json" if as_json else "text/html"
    if rng.random() < 0.5 or not work.browse_names:
        sent = timed(client, recorder, "browse", "GET", "/browse", headers)
    else:
        path = "/browse/" + urllib.parse.quote(rng.choice(work.browse_names))
        sent = timed(client, recorder, "browse class", "GET", path, headers)
    expect(recorder, sent, 200, media)


def download(client: Client, recorder: Recorder, work: Workload, rng: random.Random) -> None:
    """The downloads page, or the dump file, whose SHA-256 must match SHA256SUMS."""
    if rng.random() < 0.5:
        expect(
            recorder,
            timed(client, recorder, "download list", "GET", "/download/"),
            200,
            "text/html",
        )
        return
    sent = timed(client, recorder, "download file", "GET", f"/download/{work.dump}")
    answer = expect(recorder, sent, 200, "")
    if answer is not None and hashlib.sha256(answer.body).hexdigest() != work.dump_sha256:
        recorder.flag(sent.index, f"the dump's SHA-256 differs ({len(answer.body)} bytes)")


Action = Callable[[Client, Recorder, Workload, random.Random], None]
#: The mix: each action and its weight.
MIX: tuple[tuple[Action, int], ...] = (
    (dereference, 35),
    (sparql, 30),
    (search, 15),
    (browse, 10),
    (download, 10),
)


def mixed_client(
    port: int,
    timeout: float,
    work: Workload,
    recorder: Recorder,
    seed: int,
    deadline: float,
    stop: threading.Event,
) -> None:
    """Request after request, picked at random from MIX, until the deadline."""
    rng = random.Random(seed)
    client = Client(port, timeout)
    actions = [action for action, _ in MIX]
    weights = [weight for _, weight in MIX]
    try:
        while time.monotonic() < deadline and not stop.is_set():
            rng.choices(actions, weights)[0](client, recorder, work, rng)
    finally:
        client.close()
        with recorder.lock:
            recorder.reconnects += client.reconnects


def runaway_client(
    port: int,
    timeout: float,
    query_timeout: float,
    pause: float,
    recorder: Recorder,
    deadline: float,
    stop: threading.Event,
) -> None:
    """A cartesian-product query, again and again, with ``pause`` seconds between an
    answer and the next; none starts that could not end before the deadline. Its
    503s are intended."""
    client = Client(port, timeout)
    path = "/sparql?" + urllib.parse.urlencode({"query": RUNAWAY})
    try:
        while time.monotonic() + query_timeout + 1 < deadline and not stop.is_set():
            started = time.perf_counter()
            try:
                answer = client.request("GET", path, {"Accept": "text/csv"})
            except (OSError, http.client.HTTPException) as err:
                ms = (time.perf_counter() - started) * 1000
                recorder.add(Sample("runaway", 0, ms, f"{type(err).__name__}: {err}", path=path))
            else:
                ms = (time.perf_counter() - started) * 1000
                if answer.status == 503:
                    note = "time limit" if b"limit of" in answer.body else snippet(answer)
                    recorder.add(Sample("runaway", 503, ms, None, True, path=note))
                else:
                    error = f"status {answer.status}, expected 503: {snippet(answer)}"
                    recorder.add(Sample("runaway", answer.status, ms, error, path=path))
            stop.wait(pause)
    finally:
        client.close()
        with recorder.lock:
            recorder.reconnects += client.reconnects


def run_load(
    server: Server,
    work: Workload,
    options: Options,
    seconds: float,
    runaway: bool,
    seed: int,
    recorder: Recorder,
    on_tick: Callable[[], None] | None = None,
) -> None:
    """``options.clients`` mixed clients (and the runaway client) for ``seconds``, their
    requests recorded in ``recorder``; returns after the last answer. Raises
    ServerError if the server dies."""
    stop = threading.Event()
    timeout = options.query_timeout + 30
    started = time.monotonic()
    deadline = started + seconds
    threads = [
        threading.Thread(
            target=mixed_client,
            args=(server.port, timeout, work, recorder, seed * 1000 + i, deadline, stop),
            name=f"client-{i}",
            daemon=True,
        )
        for i in range(options.clients)
    ]
    if runaway and options.runaway_every > 0:
        threads.append(
            threading.Thread(
                target=runaway_client,
                args=(
                    server.port,
                    timeout,
                    options.query_timeout,
                    options.runaway_every,
                    recorder,
                    deadline,
                    stop,
                ),
                name="runaway",
                daemon=True,
            )
        )
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(timeout=0.5)
                if on_tick is not None:
                    on_tick()
                if not server.alive():
                    stop.set()
                    raise ServerError(f"the server exited during the run ({server.process})")
    finally:
        stop.set()


# --- memory ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Process:
    role: str
    pid: int
    rss_kib: int


def _stat(pid: int) -> tuple[int, int] | None:
    """(ppid, rss in KiB) of ``pid``, or None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return ppid, int(match[1]) if match else 0


def _children() -> dict[int, list[int]]:
    """Every process's children, from /proc/*/stat."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
            children[ppid].append(int(entry.name))
    return children


def _role(pid: int) -> str:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return "other"
    if b"spawn_main" in cmdline or b"forkserver" in cmdline:
        return "query worker"
    if b"resource_tracker" in cmdline:
        return "resource tracker"
    return "other"


def processes(master: int) -> list[Process]:
    """The gunicorn master, its workers and their children (query workers and the
    multiprocessing resource tracker), with their resident memory."""
    tree = _children()
    found: list[Process] = []
    for pid, role in [(master, "gunicorn master")] + [
        (child, "gunicorn worker" if _role(child) == "other" else _role(child))
        for child in sorted(tree.get(master, []))
    ]:
        stat = _stat(pid)
        if stat is None:
            continue
        found.append(Process(role, pid, stat[1]))
        if role == "gunicorn worker":
            for child in sorted(tree.get(pid, [])):
                child_stat = _stat(child)
                if child_stat is not None:
                    found.append(Process(_role(child), child, child_stat[1]))
    return found


@dataclass
class MemoryTrace:
    """Samples of the processes' memory: the first, the last, and the peak total."""

    start: list[Process] = field(default_factory=list)
    end: list[Process] = field(default_factory=list)
    peak_total_kib: int = 0
    samples: int = 0
    last_sampled: float = 0.0

    def sample(self, master: int) -> list[Process]:
        found = processes(master)
        self.peak_total_kib = max(self.peak_total_kib, sum(p.rss_kib for p in found))
        self.samples += 1
        self.last_sampled = time.monotonic()
        return found


# --- the server's log ------------------------------------------------------------------------


@dataclass
class LogCheck:
    """What the server's log says: problems during the run and at shutdown, worker
    boots, and what its access log says of the measured run (statuses, and SPARQL
    answers that came from the answer cache or ran in a query worker)."""

    problems: list[str] = field(default_factory=list)
    shutdown_problems: list[str] = field(default_factory=list)
    boots: int = 0
    access_lines: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    sparql_cached: int = 0
    sparql_run: int = 0


def check_log(path: Path, window: tuple[datetime, datetime] | None = None) -> LogCheck:
    """Read the server's log; access log lines count only within ``window`` (UTC)."""
    check = LogCheck()
    stopping = False
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return check
    for line in lines:
        if line.startswith("{"):
            try:
                record = json.loads(line)
                when = datetime.fromisoformat(record["time"])
            except (ValueError, KeyError, TypeError):
                pass
            else:
                if window is not None and window[0] <= when <= window[1]:
                    check.access_lines += 1
                    check.statuses[int(record.get("status", 0))] += 1
                    query = record.get("query") or {}
                    if query.get("cached"):
                        check.sparql_cached += 1
                    elif "kind" in query:
                        check.sparql_run += 1
                continue
        if "Handling signal: term" in line:
            stopping = True
        if "Booting worker" in line:
            check.boots += 1
        if LOG_PROBLEMS.search(line):
            (check.shutdown_problems if stopping else check.problems).append(line)
    return check


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class KindStats:
    kind: str
    count: int
    per_second: float
    p50: float
    p90: float
    p99: float
    max: float
    errors: int
    intended: int


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of values sorted ascending."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def kind_stats(kind: str, samples: list[Sample], seconds: float) -> KindStats:
    latencies = sorted(s.ms for s in samples)
    return KindStats(
        kind=kind,
        count=len(samples),
        per_second=len(samples) / seconds,
        p50=percentile(latencies, 0.50),
        p90=percentile(latencies, 0.90),
        p99=percentile(latencies, 0.99),
        max=latencies[-1] if latencies else float("nan"),
        errors=sum(1 for s in samples if s.error),
        intended=sum(1 for s in samples if s.intended),
    )


@dataclass
class Results:
    """Everything the report says."""

    command: str
    date: str
    machine: dict[str, str]
    settings: dict[str, str]
    options: Options
    workload: Workload | None = None
    warmup_samples: list[Sample] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    seconds: float = 0.0
    reconnects: int = 0
    memory: MemoryTrace = field(default_factory=MemoryTrace)
    health_after: int | None = None
    log: LogCheck = field(default_factory=LogCheck)
    server_exit: int | None = None
    server_killed: bool = False
    failure: str | None = None
    #: /proc/loadavg before and after the measured run: other work on the machine shows here.
    load_before: str = ""
    load_after: str = ""
    #: Wall-clock bounds of the measured run, to read the access log.
    window: tuple[datetime, datetime] | None = None

    @property
    def errors(self) -> list[Sample]:
        return [s for s in self.warmup_samples + self.samples if s.error]

    @property
    def intended(self) -> list[Sample]:
        return [s for s in self.samples if s.intended]

    @property
    def ok(self) -> bool:
        return (
            self.failure is None
            and not self.errors
            and not self.log.problems
            and self.health_after == 200
            and self.log.boots <= self.options.workers
        )

    def per_kind(self) -> list[KindStats]:
        by_kind: dict[str, list[Sample]] = defaultdict(list)
        for sample in self.samples:
            by_kind[sample.kind].append(sample)
        seconds = self.seconds or 1.0
        return [kind_stats(kind, by_kind[kind], seconds) for kind in sorted(by_kind)]


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import pyoxigraph

        oxigraph = pyoxigraph.__version__
    except ImportError:  # pragma: no cover - the venv has it
        oxigraph = "not importable"
    memory = "unknown"
    try:
        total = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
        if total:
            memory = f"{int(total[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "nproc": str(len(os.sched_getaffinity(0))),
        "CPU": cpu,
        "memory": memory,
        "kernel": platform.release(),
        "Python": platform.python_version(),
        "pyoxigraph": oxigraph,
        "commit": _git_commit(),
    }


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _git_commit() -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + (" (with uncommitted changes)" if dirty else "")


def package_defaults() -> dict[str, object]:
    """The service's setting defaults (empty if the package cannot be imported)."""
    try:
        from healthtech_lod.config import DEFAULTS
    except ImportError:  # pragma: no cover - the venv has it
        return {}
    return dict(DEFAULTS)


def effective_settings(server: Server, options: Options) -> dict[str, str]:
    """The server's HEALTHTECH_LOD_* settings: what the environment sets, else the
    package's defaults."""
    defaults = package_defaults()
    environment = server.environment()
    shown = {"gunicorn workers (--workers)": str(options.workers)}
    for name in REPORTED_SETTINGS:
        value = environment.get(f"HEALTHTECH_LOD_{name}")
        shown[name] = value if value is not None else f"{defaults.get(name, '?')} (default)"
    for name, value in sorted(environment.items()):
        short = name.removeprefix("HEALTHTECH_LOD_")
        if name.startswith("HEALTHTECH_LOD_") and short not in shown:
            shown[short] = value
    return shown


def command_line() -> str:
    python = Path(sys.executable)
    try:
        python = python.relative_to(Path.cwd())
    except ValueError:
        pass
    return shlex.join([str(python), *sys.argv])


# --- the report ------------------------------------------------------------------------------


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _mib(kib: float) -> str:
    return f"{kib / 1024:.1f}"


def memory_rows(start: list[Process], end: list[Process]) -> list[list[str]]:
    """One row per process role: processes, total and largest RSS, start vs end; then
    one row per gunicorn process that lived through the run."""
    rows: list[list[str]] = []
    roles = ["gunicorn master", "gunicorn worker", "query worker", "resource tracker", "other"]
    for role in roles:
        before = [p for p in start if p.role == role]
        after = [p for p in end if p.role == role]
        if not before and not after:
            continue
        total_before = sum(p.rss_kib for p in before)
        total_after = sum(p.rss_kib for p in after)
        rows.append(
            [
                f"{role} (all)",
                f"{len(before)} → {len(after)}",
                _mib(total_before),
                _mib(total_after),
                f"{(total_after - total_before) / 1024:+.1f}",
                f"{_mib(max((p.rss_kib for p in before), default=0))} → "
                f"{_mib(max((p.rss_kib for p in after), default=0))}",
            ]
        )
    ended = {p.pid: p for p in end}
    for process in start:
        if process.role.startswith("gunicorn") and process.pid in ended:
            after_kib = ended[process.pid].rss_kib
            rows.append(
                [
                    f"{process.role} pid {process.pid}",
                    "1 → 1",
                    _mib(process.rss_kib),
                    _mib(after_kib),
                    f"{(after_kib - process.rss_kib) / 1024:+.1f}",
                    "",
                ]
            )
    total_before = sum(p.rss_kib for p in start)
    total_after = sum(p.rss_kib for p in end)
    rows.append(
        [
            "**all**",
            f"{len(start)} → {len(end)}",
            _mib(total_before),
            _mib(total_after),
            f"{(total_after - total_before) / 1024:+.1f}",
            "",
        ]
    )
    return rows


STATS_HEADER = [
    "requests",
    "req/s",
    "p50 ms",
    "p90 ms",
    "p99 ms",
    "max ms",
    "errors",
    "intended 503",
]


def _stats_row(name: str, s: KindStats) -> list[str]:
    return [
        name,
        str(s.count),
        f"{s.per_second:.1f}",
        f"{s.p50:.1f}",
        f"{s.p90:.1f}",
        f"{s.p99:.1f}",
        f"{s.max:.1f}",
        str(s.errors),
        str(s.intended),
    ]


def render_header(results: Results) -> list[str]:
    options = results.options
    runaway = (
        f" + 1 runaway (a cartesian product, {options.runaway_every:g} s between answers)"
        if options.runaway_every > 0
        else ""
    )
    lines = ["# healthtech-lod load run", ""]
    lines += [f"- command: `{results.command}`", f"- date: {results.date}"]
    lines += [f"- {name}: {value}" for name, value in results.machine.items()]
    lines += [
        f"- duration: {results.seconds:.1f} s measured (asked {options.duration:g} s, "
        f"after {options.warmup:g} s of warm-up)",
        f"- clients: {options.clients} mixed{runaway}",
        f"- load average (1, 5, 15 min) before the measured run: {results.load_before}; "
        f"after: {results.load_after}",
        "",
        "## Settings",
        "",
    ]
    lines += _table(["setting", "value"], [[k, f"`{v}`"] for k, v in results.settings.items()])
    if results.workload is not None:
        work = results.workload
        lines += [
            "",
            f"Workload read from the data: {len(work.slugs)} entity slugs, "
            f"{len(work.examples)} example queries, {len(work.classes)} classes, "
            f"{len(work.browse_names)} browsable classes, dump `{work.dump}`.",
        ]
    if results.failure:
        lines += ["", f"**The run failed: {results.failure}**"]
    return lines


def render_requests(results: Results) -> list[str]:
    total = len(results.samples)
    seconds = results.seconds or 1.0
    lines = [
        "",
        "## Requests",
        "",
        f"{total} requests in {results.seconds:.1f} s: {total / seconds:.1f} requests/s "
        f"({len(results.warmup_samples)} more during the warm-up, not counted; "
        f"{results.reconnects} keep-alive reconnects). Latency is measured by the client, "
        "from sending the request to the last byte of the answer.",
        "",
    ]
    rows = [_stats_row(s.kind, s) for s in results.per_kind()]
    if total:
        regular = [s for s in results.samples if s.kind != "runaway"]
        rows.append(_stats_row("**all but runaway**", kind_stats("", regular, seconds)))
        rows.append(_stats_row("**all**", kind_stats("", results.samples, seconds)))
    return lines + _table(["kind", *STATS_HEADER], rows)


def render_errors(results: Results) -> list[str]:
    options, log = results.options, results.log
    errors, intended = results.errors, results.intended
    notes = Counter(s.path for s in intended)
    restarted = "none restarted" if log.boots <= options.workers else "some were restarted"
    lines = [
        "",
        "## Errors",
        "",
        f"- unexpected errors: **{len(errors)}** (warm-up included)",
        f"- intended 503s (runaway query stopped): {len(intended)}"
        + (f" ({', '.join(f'{n}: {c}' for n, c in notes.items())})" if notes else ""),
        f"- /health after the run: {results.health_after}",
        f"- gunicorn workers booted: {log.boots} for {options.workers} ({restarted})",
        f"- server log problems during the run: {len(log.problems)}",
        f"- server log problems at shutdown: {len(log.shutdown_problems)}"
        + (" (reported, not counted as request errors)" if log.shutdown_problems else ""),
        f"- server exit status: {results.server_exit}"
        + (" (SIGKILLed after SIGTERM timed out)" if results.server_killed else ""),
    ]
    if log.statuses:
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(log.statuses.items()))
        lines += [
            f"- the server's access log for the measured run: {log.access_lines} requests; "
            f"statuses {statuses}",
            f"- SPARQL answers (access log, measured run): {log.sparql_run} ran in a query "
            f"worker, {log.sparql_cached} came from the answer cache",
        ]
    if errors:
        lines += ["", "Errors, most frequent first:", ""]
        grouped = Counter((s.kind, s.status, s.error) for s in errors)
        for (kind, status, error), count in grouped.most_common(15):
            lines.append(f"- {count} × {kind} (status {status}): {error}")
    for title, problems in (
        ("Server log problems during the run", log.problems),
        ("Server log problems at shutdown", log.shutdown_problems),
    ):
        if problems:
            lines += ["", f"{title} (first 10):", "", "```", *problems[:10], "```"]
    return lines


def render_memory(memory: MemoryTrace) -> list[str]:
    lines = ["", "## Memory (VmRSS, MiB)", ""]
    if not (memory.start and memory.end):
        return [*lines, "Not sampled (the run stopped before)."]
    lines += [
        "Start: after the warm-up; end: after the last request, before stopping the "
        f"server. {memory.samples} samples in all; "
        f"peak total {_mib(memory.peak_total_kib)} MiB. "
        "Query workers killed at the time limit are replaced by fresh processes, so "
        "their pids change.",
        "",
    ]
    return lines + _table(
        ["process", "count start → end", "start", "end", "Δ", "largest start → end"],
        memory_rows(memory.start, memory.end),
    )


def render(results: Results) -> str:
    """The report, in Markdown."""
    lines = [
        *render_header(results),
        *render_requests(results),
        *render_errors(results),
        *render_memory(results.memory),
        "",
        f"Result: **{'PASS' if results.ok else 'FAIL'}**",
        "",
    ]
    return "\n".join(lines)


# --- main ------------------------------------------------------------------------------------


def health(server: Server) -> int | None:
    try:
        client = Client(server.port, 10)
        status = client.request("GET", "/health").status
        client.close()
        return status
    except (OSError, http.client.HTTPException):
        return None


def benchmark(options: Options, results: Results) -> None:
    """Start the server, read the workload, warm up, run, sample memory and check the log;
    fills ``results`` as it goes (so that a failure still reports what was measured)."""
    with serving(options) as server:
        assert server.process is not None
        results.settings = effective_settings(server, options)
        print(
            f"server up on {server.base} (pid {server.process.pid}); reading the workload",
            file=sys.stderr,
        )
        client = Client(server.port, options.query_timeout + 30)
        try:
            results.workload = work = discover(client, options.dump, options.fresh)
        finally:
            client.close()
        try:
            if options.warmup:
                print(f"warming up for {options.warmup:g} s", file=sys.stderr)
                warmup = Recorder()
                results.warmup_samples = warmup.samples  # kept if interrupted
                run_load(server, work, options, options.warmup, False, options.seed + 7919, warmup)
            master = server.process.pid
            results.memory.start = results.memory.sample(master)

            def tick() -> None:
                if time.monotonic() - results.memory.last_sampled >= options.sample_every:
                    results.memory.sample(master)

            print(f"running {options.clients} clients for {options.duration:g} s", file=sys.stderr)
            recorder = Recorder()
            results.samples = recorder.samples  # kept if interrupted
            started = time.monotonic()
            began = datetime.now(UTC)
            results.load_before = load_average()
            try:
                run_load(
                    server, work, options, options.duration, True, options.seed, recorder, tick
                )
            finally:
                results.seconds = time.monotonic() - started
                results.reconnects = recorder.reconnects
                results.load_after = load_average()
                results.window = (began, datetime.now(UTC))
            results.memory.end = results.memory.sample(master)
            results.health_after = health(server)
        finally:
            server.stop()
            results.server_exit = server.exit_code
            results.server_killed = server.killed
            results.log = check_log(server.log, results.window)
            if not results.ok:
                server.keep = True
                print("--- server log (tail) ---", file=sys.stderr)
                print(server.log_tail(), file=sys.stderr)
                print("---", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)

    def terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started ignoring it
    results = Results(
        command=command_line(),
        date=datetime.now(UTC).isoformat(timespec="seconds"),
        machine=machine(),
        settings={},
        options=options,
    )
    code = 0
    try:
        benchmark(options, results)
    except KeyboardInterrupt:
        results.failure = "interrupted"
        code = 130
    except ServerError as err:
        results.failure = str(err)
    report = render(results)
    print(report)
    if options.markdown is not None:
        options.markdown.write_text(report + "\n")
        print(f"report written to {options.markdown}", file=sys.stderr)
    if code:
        return code
    return 0 if results.ok else 1


if __name__ == "__main__":
    sys.exit(main())
