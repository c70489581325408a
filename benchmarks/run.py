"""Benchmarks of the service against the engines a user could pick instead, at several sizes.

One command, from the repository root:

    .venv/bin/python benchmarks/run.py --sizes 100k,1m,10m   # the full run (about 45 min)
    .venv/bin/python benchmarks/run.py --sizes 100k          # a quick run (about 5 min)
    .venv/bin/python benchmarks/run.py --from-json benchmarks/results.json   # report only

For each size (100k, 1m, 10m: 1 500, 15 000, 150 000 synthetic organisations from
`python -m benchmarks.generator`, about 100 k, 1 M and 10 M statements), in a temporary folder:

1. generates the ecosystem and builds it with the repository (`healthtech-lod build --add`):
   build time, store size on disk;
2. starts `healthtech-lod serve --store DIR --workers 2` three times: start time (until
   /health answers 200), then on the last one dereferencing with wrk (Turtle, JSON-LD and
   HTML documents of 200 synthetic organisations, 8 connections, 10 s each after a 2 s
   warm-up), one pass of the query mix, and the resident memory (VmRSS) of the master,
   each gunicorn worker and each query worker; then the same wrk run against a trivial
   Flask route (`trivial_app.py`) under gunicorn in the same configuration;
3. runs the query mix (`mix.py`: the example queries, an entity description, a label
   search, an aggregate, two two-hop joins with ORDER BY and LIMIT), cold then warm
   (`engines.py`), on: the service over HTTP (a fresh server), pyoxigraph in process on the
   same store, Virtuoso (`virtuoso.py`) loaded from the build's N-Quads dump, and, at sizes
   up to --rdflib-max, rdflib in memory and rdflib-endpoint loaded from the same dump;
4. writes everything measured to --json and the report to --markdown (docs/benchmarks.md).

By default the code measured is the committed tree of HEAD (`git archive HEAD`, unpacked into
the temporary folder and put first on PYTHONPATH), so the figures belong to one commit even
while the working tree changes; --worktree measures the working tree instead.

Needs: Debian's `wrk` and `virtuoso-opensource`, and the Python packages `rdflib-endpoint`
and `uvicorn` (for the rdflib-endpoint peer). Everything else is the project's own venv.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import platform
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import deref
import engines
import mix
import report
import virtuoso
from load import (
    BROWSER,
    COMMAND,
    HOST,
    ServerError,
    free_port,
    machine,
    processes,
    stop_group,
)

REPO = Path(__file__).resolve().parents[1]
SIZES = {"100k": 1_500, "1m": 15_000, "10m": 150_000}
FORMATS = {
    "turtle": ("text/turtle", "text/turtle"),
    "jsonld": ("application/ld+json", "application/ld+json"),
    "html": (BROWSER, "text/html"),
}
ENDPOINT_SERVER = Path(__file__).resolve().with_name("rdflib_endpoint_server.py")
#: Written by hand after a run: why each target is met or not. Put in the report as is.
ANALYSIS = Path(__file__).resolve().with_name("analysis.md")


@dataclass(frozen=True)
class Options:
    sizes: list[str]
    timeout: float
    reps: int
    budget: float
    wrk_seconds: float
    wrk_warmup: float
    connections: int
    workers: int
    starts: int
    rdflib_max: str
    skip: frozenset[str]
    workdir: Path | None
    keep: bool
    json_path: Path
    markdown: Path
    worktree: bool


def parse_args(argv: list[str] | None = None) -> tuple[Options, Path | None]:
    parser = argparse.ArgumentParser(
        description="Benchmark the service against pyoxigraph, rdflib, rdflib-endpoint and "
        "Virtuoso; write docs/benchmarks.md.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--sizes", default="100k,1m,10m", help=f"of {', '.join(SIZES)}")
    parser.add_argument("--timeout", type=float, default=60, help="seconds per query")
    parser.add_argument("--reps", type=int, default=20, help="warm runs per query at most")
    parser.add_argument(
        "--budget",
        type=float,
        default=5,
        help="seconds of warm runs per query and engine, once 3 are done",
    )
    parser.add_argument("--wrk-seconds", type=float, default=10)
    parser.add_argument("--wrk-warmup", type=float, default=2)
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--starts", type=int, default=3, help="timed server starts per size")
    parser.add_argument(
        "--rdflib-max", default="1m", help="largest size at which rdflib engines run"
    )
    parser.add_argument(
        "--skip",
        default="",
        help="comma-separated parts to leave out: deref, service, pyoxigraph, virtuoso, "
        "rdflib, rdflib-endpoint",
    )
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temp folder")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results.json")
    parser.add_argument("--markdown", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--worktree", action="store_true", help="measure the working tree")
    parser.add_argument(
        "--from-json", type=Path, default=None, help="only write the report from this file"
    )
    args = parser.parse_args(argv)
    sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    for size in sizes + [args.rdflib_max]:
        if size not in SIZES:
            parser.error(f"unknown size {size!r}; use {', '.join(SIZES)}")
    options = Options(
        sizes=sizes,
        timeout=args.timeout,
        reps=args.reps,
        budget=args.budget,
        wrk_seconds=args.wrk_seconds,
        wrk_warmup=args.wrk_warmup,
        connections=args.connections,
        workers=args.workers,
        starts=max(1, args.starts),
        rdflib_max=args.rdflib_max,
        skip=frozenset(s.strip() for s in args.skip.split(",") if s.strip()),
        workdir=args.workdir,
        keep=args.keep,
        json_path=args.json,
        markdown=args.markdown,
        worktree=args.worktree,
    )
    return options, args.from_json


def log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- what is measured with -----------------------------------------------------------------


def git(*args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(REPO), *args], capture_output=True, text=True, check=False
    )
    return done.stdout.strip()


def snapshot_head(folder: Path) -> Path:
    """The committed tree of HEAD, unpacked into ``folder`` (read-only use of git)."""
    folder.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", "HEAD"],
        capture_output=True,
        check=True,
    )
    with tempfile.TemporaryFile() as tar_file:
        tar_file.write(archive.stdout)
        tar_file.seek(0)
        with tarfile.open(fileobj=tar_file) as tar:
            tar.extractall(folder, filter="data")
    return folder


def package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def versions() -> dict[str, str]:
    return {
        "Python": platform.python_version(),
        "pyoxigraph": package_version("pyoxigraph"),
        "rdflib": package_version("rdflib"),
        "rdflib-endpoint": package_version("rdflib-endpoint"),
        "fastapi": package_version("fastapi"),
        "uvicorn": package_version("uvicorn"),
        "gunicorn": package_version("gunicorn"),
        "Flask": package_version("flask"),
        "Virtuoso": virtuoso.version(),
        "wrk": deref.version(),
    }


def disk_bytes(path: Path) -> dict[str, int]:
    """Bytes on disk (allocated blocks, like du) and apparent bytes under ``path``."""
    used = apparent = 0
    for entry in [path, *path.rglob("*")] if path.is_dir() else [path]:
        try:
            stat = entry.lstat()
        except OSError:
            continue
        if entry.is_file():
            used += stat.st_blocks * 512
            apparent += stat.st_size
    return {"disk": used, "apparent": apparent}


# --- one size ------------------------------------------------------------------------------


def timed_command(command: list[str], cwd: Path | None = None) -> tuple[float, str]:
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=cwd)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise RuntimeError(
            f"{shlex.join(command)} failed: {done.stdout[-1500:]}{done.stderr[-1500:]}"
        )
    return seconds, done.stdout


def process_rows(master: int) -> list[dict[str, Any]]:
    return [asdict(p) for p in processes(master)]


def check_documents(port: int, paths: list[str]) -> dict[str, Any]:
    """Each format of the first paths answers 200 with its media type (untimed)."""
    import http.client

    checked: dict[str, Any] = {}
    for name, (accept, media) in FORMATS.items():
        for path in paths[:5]:
            connection = http.client.HTTPConnection(HOST, port, timeout=30)
            connection.request("GET", path, headers={"Accept": accept})
            response = connection.getresponse()
            body = response.read()
            connection.close()
            kind = response.getheader("Content-Type", "")
            if response.status != 200 or not kind.startswith(media):
                raise RuntimeError(f"{path} as {accept}: {response.status} {kind}")
        checked[name] = len(body)
    return checked


def run_wrk(
    port: int, paths: list[str], accept: str, options: Options, master: int | None = None
) -> dict[str, Any]:
    """A warm-up, then the measured wrk run. wrk opens new connections each run, so the
    measured run's spread over the gunicorn workers is drawn again."""
    if options.wrk_warmup > 0:
        deref.wrk(port, paths, accept, options.wrk_warmup, options.connections)
    workers = None
    if master is not None:
        workers = [p.pid for p in processes(master) if p.role == "gunicorn worker"]
    return deref.wrk(port, paths, accept, options.wrk_seconds, options.connections, workers=workers)


def service_settings(**extra: str) -> dict[str, str]:
    return {"RATE_LIMIT": "0", "MAX_QUERIES_PER_CLIENT": "0", **extra}


def phase_service_ops(
    result: dict[str, Any], built: Path, queries: list[mix.Query], options: Options, work: Path
) -> None:
    """Start times, dereferencing, one pass of the mix, memory; then the trivial route."""
    slugs = mix.organisation_slugs(built / "store")
    paths = [f"/doc/{slug}" for slug in slugs]
    result["deref_entities"] = len(paths)
    starts: list[float] = []
    memory: dict[str, Any] = {}
    deref_results: dict[str, Any] = {}
    for attempt in range(options.starts):
        folder = Path(tempfile.mkdtemp(prefix="serve-", dir=work))
        server = deref.ServiceServer(folder, options.workers, service_settings(), store=built)
        try:
            started = time.monotonic()
            server.start(timeout=300)
            starts.append(time.monotonic() - started)
            log(f"  start {attempt + 1}: {starts[-1]:.2f} s")
            if attempt < options.starts - 1:
                continue
            assert server.process is not None
            master = server.process.pid
            memory["idle"] = process_rows(master)
            if "deref" not in options.skip:
                result["document_bytes"] = check_documents(server.port, paths)
                for name, (accept, _) in FORMATS.items():
                    deref_results[name] = run_wrk(server.port, paths, accept, options, master)
                    log(f"  wrk {name}: {deref_results[name]['rps']:.0f} req/s")
                memory["after_deref"] = process_rows(master)
            client = engines.HttpEngine("service", server.port, "/sparql", options.timeout)
            mix_pass = {}
            for query in queries:
                run = client.run(engines.unique(query.text, "memory pass"))
                mix_pass[query.name] = asdict(run)
            client.close()
            result["memory_pass"] = mix_pass
            memory["after_load"] = process_rows(master)
        finally:
            server.stop()
            shutil.rmtree(folder, ignore_errors=True)
    result["start_seconds"] = starts
    result["memory"] = memory
    if "deref" in options.skip:
        return
    folder = Path(tempfile.mkdtemp(prefix="trivial-", dir=work))
    trivial = deref.TrivialServer(folder, options.workers, {}, threads=4)
    try:
        trivial.start(timeout=60)
        assert trivial.process is not None
        deref_results["trivial"] = run_wrk(
            trivial.port, paths, "text/turtle", options, trivial.process.pid
        )
        log(f"  wrk trivial: {deref_results['trivial']['rps']:.0f} req/s")
    finally:
        trivial.stop()
        shutil.rmtree(folder, ignore_errors=True)
    result["deref"] = deref_results


def cache_hits(log_path: Path, text: str) -> tuple[int, int]:
    """(answers from the cache, answers run) for ``text`` in the service's access log."""
    wanted = hashlib.sha256(text.encode()).hexdigest()[:16]
    cached = ran = 0
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except OSError:
        return 0, 0
    for line in lines:
        if wanted not in line:
            continue
        try:
            record = json.loads(line[line.index("{") :])
        except ValueError:
            continue
        query = record.get("query") or {}
        if query.get("digest") != wanted:
            continue
        if query.get("cached"):
            cached += 1
        else:
            ran += 1
    return cached, ran


def phase_service_mix(
    result: dict[str, Any],
    built: Path,
    queries: list[mix.Query],
    protocol: engines.Protocol,
    work: Path,
) -> None:
    folder = Path(tempfile.mkdtemp(prefix="serve-mix-", dir=work))
    settings = service_settings(QUERY_TIMEOUT=f"{protocol.timeout:g}", MAX_RESULT_ROWS="1000000")
    server = deref.ServiceServer(folder, 2, settings, store=built)
    try:
        server.start(timeout=300)
        engine = engines.HttpEngine("service", server.port, "/sparql", protocol.timeout)
        measured = engines.measure(engine, queries, protocol, log=log)
        repeated = engines.repeat(
            engine,
            [q for q, r in zip(queries, measured, strict=True) if r.warm_ms],
            protocol.reps,
            budget=protocol.budget,
            min_reps=protocol.min_reps,
        )
        engine.close()
        assert server.process is not None
        hits = {
            name: cache_hits(
                server.log, next(q.text for q in queries if q.name == name) + "\n# repeated"
            )
            for name in repeated
        }
        result["engines"]["service"] = {
            "queries": engines.as_dicts(measured),
            "repeat": repeated,
            "repeat_cache": hits,
            "memory_after": process_rows(server.process.pid),
            "settings": settings,
        }
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def phase_oxigraph(
    result: dict[str, Any], built: Path, queries: list[mix.Query], protocol: engines.Protocol
) -> None:
    engine = engines.OxigraphEngine(built / "store", protocol.timeout)
    try:
        ready = engine.start()
        measured = engines.measure(engine, queries, protocol, log=log)
        result["engines"]["pyoxigraph"] = {
            "queries": engines.as_dicts(measured),
            "ready": ready,
            "rss_kib_after": engine.rss_kib(),
            "restarts": engine.restarts,
        }
    finally:
        engine.close()


def phase_virtuoso(
    result: dict[str, Any],
    dump: Path,
    queries: list[mix.Query],
    protocol: engines.Protocol,
    work: Path,
    keep: bool,
) -> None:
    server = virtuoso.Virtuoso(work / "virtuoso", max_seconds=int(protocol.timeout))
    try:
        log("  loading Virtuoso")
        load_seconds = server.load(dump)
        log(f"  Virtuoso loaded in {load_seconds:.1f} s")
        checkpoint_bytes = server.database_bytes()
        start_seconds = server.restart()
        engine = engines.HttpEngine("virtuoso", server.http_port, "/sparql", protocol.timeout)
        measured = engines.measure(engine, queries, protocol, log=log)
        engine.close()
        result["engines"]["virtuoso"] = {
            "queries": engines.as_dicts(measured),
            "load_seconds": load_seconds,
            "database_bytes": checkpoint_bytes,
            "start_seconds": start_seconds,
            "rss_kib_after": server.rss_kib(),
            "settings": {
                "NumberOfBuffers": server.buffers,
                "MaxDirtyBuffers": server.dirty,
                "MaxQueryExecutionTime": server.max_seconds,
                "ResultSetMaxRows": 1_000_000,
            },
        }
    finally:
        server.stop()
        if not keep:
            shutil.rmtree(work / "virtuoso", ignore_errors=True)


def phase_rdflib(
    result: dict[str, Any], dump: Path, queries: list[mix.Query], protocol: engines.Protocol
) -> None:
    engine = engines.RdflibEngine(dump, protocol.timeout)
    try:
        log("  loading rdflib")
        ready = engine.start()
        log(f"  rdflib loaded in {ready['load_seconds']:.1f} s")
        measured = engines.measure(engine, queries, protocol, log=log)
        result["engines"]["rdflib"] = {
            "queries": engines.as_dicts(measured),
            "ready": ready,
            "rss_kib_after": engine.rss_kib(),
            "restarts": engine.restarts,
        }
    finally:
        engine.close()


class EndpointServer:
    """rdflib_endpoint_server.py in its own process group."""

    def __init__(self, dump: Path, folder: Path) -> None:
        self.dump = dump
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.starts: list[float] = []

    def start(self, timeout: float = 3600) -> float:
        started = time.monotonic()
        with (self.folder / "rdflib-endpoint.log").open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, str(ENDPOINT_SERVER), "--port", str(self.port), str(self.dump)],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        query = urllib.parse.urlencode({"query": "ASK {}"})
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise ServerError(f"rdflib-endpoint exited with {self.process.returncode}")
            try:
                request = urllib.request.Request(
                    f"http://{HOST}:{self.port}/sparql?{query}",
                    headers={"Accept": engines.SPARQL_JSON},
                )
                with urllib.request.urlopen(request, timeout=5) as answer:
                    answer.read()
                    if answer.status == 200:
                        self.starts.append(time.monotonic() - started)
                        return self.starts[-1]
            except OSError:
                pass
            time.sleep(0.5)
        raise ServerError(f"rdflib-endpoint did not answer within {timeout:g} s")

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process, grace=20)
        self.process = None

    def restart(self) -> None:
        log("  rdflib-endpoint did not answer in time: restarting it")
        self.stop()
        self.start()


def phase_endpoint(
    result: dict[str, Any],
    dump: Path,
    queries: list[mix.Query],
    protocol: engines.Protocol,
    work: Path,
) -> None:
    in_process = {q["name"]: q for q in result["engines"].get("rdflib", {}).get("queries", [])}

    def skip(query: mix.Query) -> str | None:
        """A query that rdflib itself did not finish within the limit is not sent:
        the endpoint runs the same engine, plus HTTP."""
        done = in_process.get(query.name)
        if done is not None and done["cold"]["timeout"]:
            return f"not sent: rdflib in process took over {protocol.timeout:g} s"
        return None

    server = EndpointServer(dump, work)
    try:
        log("  loading rdflib-endpoint")
        load_seconds = server.start()
        log(f"  rdflib-endpoint ready in {load_seconds:.1f} s")
        engine = engines.HttpEngine(
            "rdflib-endpoint", server.port, "/sparql", protocol.timeout, on_timeout=server.restart
        )
        measured = engines.measure(engine, queries, protocol, skip=skip, log=log)
        engine.close()
        assert server.process is not None
        result["engines"]["rdflib-endpoint"] = {
            "queries": engines.as_dicts(measured),
            "load_seconds": load_seconds,
            "starts": server.starts,
            "rss_kib_after": engines.rss_kib(server.process.pid),
        }
    finally:
        server.stop()


def run_size(size: str, options: Options, work: Path, code: Path, results: dict[str, Any]) -> None:
    protocol = engines.Protocol(timeout=options.timeout, reps=options.reps, budget=options.budget)
    organisations = SIZES[size]
    result: dict[str, Any] = {"size": size, "organisations": organisations, "engines": {}}
    results["sizes"][size] = result
    phases: dict[str, float] = {}
    result["phase_seconds"] = phases
    folder = work / size
    folder.mkdir(parents=True, exist_ok=True)
    generated = folder / "ecosystem.nq"
    built = folder / "built"

    def phase(name: str) -> Any:
        return _Phase(name, phases, results, options, size)

    with phase("generate"):
        log(f"{size}: generating {organisations} organisations")
        # The generator of the code measured (benchmarks/generator, not in the package).
        seconds, out = timed_command(
            [sys.executable, "-m", "benchmarks.generator", "-n", str(organisations)]
            + ["--out", str(generated.resolve())],
            cwd=code,
        )
        result["generate_seconds"] = seconds
        match = re.search(r"(\d+) statements", out)
        result["statements"] = int(match[1]) if match else None
    with phase("build"):
        log(f"{size}: building")
        seconds, out = timed_command(
            [str(COMMAND), "build", "--out", str(built), "--add", str(generated)]
        )
        result["build_seconds"] = seconds
        manifest = json.loads((built / "dataset.json").read_text())
        result["triples"] = manifest["triples"]
        result["store_bytes"] = disk_bytes(built / "store")
        result["folder_bytes"] = disk_bytes(built)
        result["downloads_bytes"] = disk_bytes(built / "downloads")
        log(f"  built {result['triples']} triples in {seconds:.1f} s")
    generated.unlink()  # the dump in downloads/ holds the same statements, and the repository's
    dump = built / "downloads" / "healthtech-lod.nq.gz"
    queries, company = mix.the_mix(built / "store", code / "data" / "queries.ttl")
    result["mix"] = [asdict(q) for q in queries]
    result["company"] = company
    with phase("service-ops"):
        log(f"{size}: start time, dereferencing, memory")
        phase_service_ops(result, built, queries, options, folder)
    if "service" not in options.skip:
        with phase("service"):
            log(f"{size}: the mix through the service")
            phase_service_mix(result, built, queries, protocol, folder)
    if "pyoxigraph" not in options.skip:
        with phase("pyoxigraph"):
            log(f"{size}: the mix on pyoxigraph in process")
            phase_oxigraph(result, built, queries, protocol)
    if "virtuoso" not in options.skip:
        with phase("virtuoso"):
            log(f"{size}: the mix on Virtuoso")
            phase_virtuoso(result, dump, queries, protocol, folder, options.keep)
    rdflib_ok = list(SIZES).index(size) <= list(SIZES).index(options.rdflib_max)
    if not rdflib_ok:
        result["not_measured"] = ["rdflib", "rdflib-endpoint"]
    if rdflib_ok and "rdflib" not in options.skip:
        with phase("rdflib"):
            log(f"{size}: the mix on rdflib in memory")
            phase_rdflib(result, dump, queries, protocol)
    if rdflib_ok and "rdflib-endpoint" not in options.skip:
        with phase("rdflib-endpoint"):
            log(f"{size}: the mix on rdflib-endpoint")
            phase_endpoint(result, dump, queries, protocol, folder)
    if not options.keep:
        shutil.rmtree(folder, ignore_errors=True)


def cpu_seconds() -> tuple[float, float]:
    """(CPU seconds the whole machine has been busy, CPU seconds of this process and of
    its children that have ended): their difference over a phase is what other programs
    on the machine used meanwhile (every server and child of a phase has ended by its end)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    tick = os.sysconf("SC_CLK_TCK")
    busy = (user + nice + system + irq + softirq + steal) / tick
    times = os.times()
    own = times.user + times.system + times.children_user + times.children_system
    return busy, own


class _Phase:
    """Times a phase, records a failure instead of stopping the run, saves the JSON."""

    def __init__(
        self,
        name: str,
        phases: dict[str, float],
        results: dict[str, Any],
        options: Options,
        size: str,
    ) -> None:
        self.size = size
        self.name = name
        self.phases = phases
        self.results = results
        self.options = options

    def __enter__(self) -> None:
        self.started = time.monotonic()
        self.cpu = cpu_seconds()

    def __exit__(self, kind: Any, error: BaseException | None, tb: Any) -> bool:
        wall = time.monotonic() - self.started
        self.phases[self.name] = wall
        busy, own = (after - before for after, before in zip(cpu_seconds(), self.cpu, strict=True))
        cores = len(os.sched_getaffinity(0))
        self.results.setdefault("cpu", {}).setdefault(self.size, {})[self.name] = {
            "wall": wall,
            "busy": busy,
            "own": own,
            "other": max(0.0, busy - own),
            "other_share": max(0.0, busy - own) / (wall * cores) if wall else 0.0,
            "loadavg_end": Path("/proc/loadavg").read_text().split()[0],
        }
        if error is not None and not isinstance(error, KeyboardInterrupt):
            log(f"  {self.name} failed: {type(error).__name__}: {error}")
            self.results.setdefault("failures", []).append(
                f"{self.name}: {type(error).__name__}: {str(error)[:1500]}"
            )
            save(self.results, self.options.json_path)
            if self.name in {"generate", "build"}:
                return False  # nothing else can run without the data
            return True
        save(self.results, self.options.json_path)
        return False


def save(results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1, default=str) + "\n")


def read_analysis() -> str | None:
    return ANALYSIS.read_text(encoding="utf-8") if ANALYSIS.exists() else None


def main(argv: list[str] | None = None) -> int:
    options, from_json = parse_args(argv)
    if from_json is not None:
        results = json.loads(from_json.read_text())
        options.markdown.write_text(report.render(results, read_analysis()))
        log(f"report written to {options.markdown}")
        return 0

    def terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    work = options.workdir or Path(tempfile.mkdtemp(prefix="healthtech-lod-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    measured = ("src", "benchmarks/generator", "data", "ontology", "shapes", "pyproject.toml")
    dirty = git("status", "--porcelain", "--", *measured)
    if options.worktree:
        code = REPO
        code_note = "the working tree" + (" (with uncommitted changes)" if dirty else "")
    else:
        code = snapshot_head(work / "code")
        os.environ["PYTHONPATH"] = os.pathsep.join(
            [str(code / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
        )
        code_note = "the committed tree of HEAD (git archive), not the working tree"
    results: dict[str, Any] = {
        "command": shlex.join([".venv/bin/python", "benchmarks/run.py", *(argv or sys.argv[1:])]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git("rev-parse", "--short", "HEAD"),
        "code": code_note,
        "versions": versions(),
        "machine": machine(),
        "load_average_start": Path("/proc/loadavg").read_text().split()[:3],
        "options": {
            k: (str(v) if isinstance(v, Path) else sorted(v) if isinstance(v, frozenset) else v)
            for k, v in asdict(options).items()
        },
        "protocol": asdict(
            engines.Protocol(timeout=options.timeout, reps=options.reps, budget=options.budget)
        ),
        "sizes": {},
    }
    started = time.monotonic()
    code_status = 0
    try:
        for size in options.sizes:
            try:
                run_size(size, options, work, code, results)
            except KeyboardInterrupt:
                raise
            except Exception as err:  # noqa: BLE001 - recorded; the next size still runs
                log(f"{size} failed: {type(err).__name__}: {err}")
                results.setdefault("failures", []).append(f"{size}: {type(err).__name__}: {err}")
                code_status = 1
    except KeyboardInterrupt:
        results["interrupted"] = True
        code_status = 130
    finally:
        results["total_seconds"] = time.monotonic() - started
        save(results, options.json_path)
        options.markdown.parent.mkdir(parents=True, exist_ok=True)
        options.markdown.write_text(report.render(results, read_analysis()))
        log(f"results in {options.json_path}, report in {options.markdown}")
        if not options.keep and options.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    return code_status


if __name__ == "__main__":
    sys.exit(main())
