"""The command line: `build` makes a dataset folder that `serve --store` opens; every
command given bad input says why in one line and leaves nothing half-written."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from conftest import FIXTURES, fails_in_one_line

import healthtech_lod.server
from healthtech_lod.cli import main
from healthtech_lod.dataset import fill_default_graph, load_oxigraph


def test_build_writes_every_file_into_its_graph_and_their_union(tmp_path: Path) -> None:
    out = tmp_path / "built"
    result = CliRunner().invoke(main, ["build", "--root", str(FIXTURES), "--out", str(out)])
    assert result.exit_code == 0, result.output
    built = list(ox.Store.read_only(str(out / "store")))
    loaded = list(fill_default_graph(load_oxigraph(FIXTURES)))
    assert len(built) == len(loaded)
    default = [q for q in built if q.graph_name == ox.DefaultGraph()]
    assert len(default) == len({q.triple for q in built if q.graph_name != ox.DefaultGraph()})
    assert ground(built) == ground(loaded)


def ground(quads: list[ox.Quad]) -> set[ox.Quad]:
    """The quads without blank nodes (blank node labels differ between loads)."""
    return {q for q in quads if not any(isinstance(t, ox.BlankNode) for t in (q.subject, q.object))}


def test_build_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "keep.txt").write_text("mine")
    result = CliRunner().invoke(
        main, ["build", "--root", str(FIXTURES), "--out", str(tmp_path / "store")]
    )
    assert result.exit_code == 2
    assert "exists and is not an empty folder" in result.output
    assert (tmp_path / "store" / "keep.txt").read_text() == "mine"


# --- bad input: one line on standard error, a non-zero exit, nothing half-written ----------

COMMAND = Path(sys.executable).with_name("healthtech-lod")
#: Lines of valid N-Quads before the broken one in huge.nq (about 5 MB).
HUGE_LINES = 50_000
QUAD = '<http://example.org/s{n}> <http://example.org/p> "{n}" <http://example.org/g> .\n'


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Bad files and folders, by name: each breaks a command in its own way."""
    folder = tmp_path_factory.mktemp("inputs")
    files = {
        "bad.nq": QUAD.format(n=1)
        + QUAD.format(n=2)
        + '<http://example.org/s> <http://example.org/p> "open .\n',
        "bad.trig": "@prefix ex: <http://example.org/> .\nex:g {\n  ex:a ex:b ex:c ;\n"
        "  ex:d .\n}\n",
        "empty.nq": "",
        "comments.nq": "# no statement here\n",
        "data.ttl": "<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n",
        "plain": "a file, not a folder\n",
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "binary.nq").write_bytes(bytes(range(256)) * 64)
    with (folder / "huge.nq").open("w", encoding="utf-8") as huge:
        huge.writelines(QUAD.format(n=n) for n in range(HUGE_LINES))
        huge.write("<http://example.org/s> <http://example.org/p> .\n")
    (folder / "folder.nq").mkdir()
    roots = {
        "broken": ("data/broken.ttl", '@prefix ex: <http://example.org/> .\n\nex:a ex:b "open .\n'),
        "binary": ("data/binary.ttl", None),
        "folder": ("data/folder.ttl", None),
    }
    for name, (relative, text) in roots.items():
        root = folder / f"{name}-root"
        shutil.copytree(FIXTURES, root)
        if name == "folder":
            (root / relative).mkdir()
        elif text is None:
            (root / relative).write_bytes(b"\xff\xfe\x00" * 100)
        else:
            (root / relative).write_text(text, encoding="utf-8")
    (folder / "empty-root").mkdir()
    return {path.name: path for path in folder.iterdir()}


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The real command in a process group of its own (killed if it outlives a minute)."""
    process = subprocess.Popen(
        [str(COMMAND), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f"still running after 60 s:\n{stderr}")
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def invoke(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The command run in this process by Click's test runner (a tenth of a process's
    cost), as ``run`` reports it: an exception that escaped the command is a
    traceback on standard error, as the real command would print it."""
    result = CliRunner(env=env).invoke(main, list(args))
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        assert result.exc_info is not None
        stderr += "".join(traceback.format_exception(*result.exc_info))
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, stderr)


def fill(args: tuple[str, ...], inputs: dict[str, Path], out: Path) -> list[str]:
    """``args`` with ``{name}`` replaced by the path of that input (``bad.nq`` as
    ``{bad_nq}``), ``{missing}`` by a path that does not exist, ``{out}`` by ``out``."""
    paths = {name.replace(".", "_").replace("-", "_"): str(p) for name, p in inputs.items()}
    return [
        arg.format(out=out, missing=inputs["plain"].parent / "missing", **paths) for arg in args
    ]


BUILD_FAILURES = {
    "nq-syntax-error": (("--add", "{bad_nq}"), ("bad.nq:3:", "line 3 column")),
    "trig-syntax-error": (("--add", "{bad_trig}"), ("bad.trig:4:", "line 4 column")),
    "binary-file": (("--add", "{binary_nq}"), ("binary.nq:1:", "line 1")),
    "huge-file-broken-at-its-end": (
        ("--add", "{huge_nq}"),
        (f"huge.nq:{HUGE_LINES + 1}:", f"line {HUGE_LINES + 1} column"),
    ),
    "empty-file": (("--add", "{empty_nq}"), ("empty.nq", "no statements")),
    "comments-only": (("--add", "{comments_nq}"), ("comments.nq", "no statements")),
    "missing-file": (("--add", "{missing}.nq"), ("missing.nq", "does not exist")),
    "directory-as-file": (("--add", "{folder_nq}"), ("folder.nq", "is a directory")),
    "turtle-file": (("--add", "{data_ttl}"), ("data.ttl", "N-Quads (.nq) or TriG (.trig)")),
    "root-syntax-error": (("--root", "{broken_root}"), ("broken.ttl:3:", "line 3 column")),
    "root-syntax-error-unvalidated": (
        ("--root", "{broken_root}", "--no-validate"),
        ("broken.ttl:3:", "line 3 column"),
    ),
    "root-binary-file": (("--root", "{binary_root}", "--no-validate"), ("binary.ttl:1:",)),
    "root-directory-as-file": (("--root", "{folder_root}"), ("folder.ttl", "Is a directory")),
    "root-without-data": (("--root", "{empty_root}"), ("empty-root", "none of the dataset")),
    "missing-root": (("--root", "{missing}"), ("missing", "does not exist")),
}


@pytest.mark.parametrize(
    ("args", "expected"), list(BUILD_FAILURES.values()), ids=list(BUILD_FAILURES)
)
def test_a_failed_build_says_why_in_one_line_and_leaves_nothing(
    args: tuple[str, ...], expected: tuple[str, ...], inputs: dict[str, Path], tmp_path: Path
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    out = site / "out"
    filled = fill(args, inputs, out)
    if "--root" not in filled:
        filled = ["--root", str(FIXTURES), *filled]
    fails_in_one_line(invoke("build", "--out", str(out), *filled), *expected)
    assert not out.exists()
    assert list(site.iterdir()) == [], "no temporary folder left behind"


@pytest.mark.parametrize(
    ("out", "expected"),
    [("{plain}/out", ("plain/out",)), ("/proc/healthtech-lod-out", ("/proc/healthtech-lod-out",))],
    ids=["under-a-file", "unwritable"],
)
def test_a_build_into_an_unwritable_place_says_so(
    out: str, expected: tuple[str, ...], inputs: dict[str, Path], tmp_path: Path
) -> None:
    target = fill((out,), inputs, tmp_path)[0]
    result = invoke("build", "--root", str(FIXTURES), "--out", target)
    fails_in_one_line(result, *expected)
    assert not Path(target).exists()


def test_a_corrected_build_succeeds_where_a_failed_one_was(
    inputs: dict[str, Path], tmp_path: Path
) -> None:
    extra = tmp_path / "extra.nq"
    shutil.copy(inputs["bad.nq"], extra)
    out = tmp_path / "out"
    command = ("build", "--root", str(FIXTURES), "--out", str(out), "--add", str(extra))
    fails_in_one_line(run(*command), "extra.nq:3:")
    extra.write_text(QUAD.format(n=1), encoding="utf-8")
    result = run(*command)
    assert result.returncode == 0, result.stderr
    assert (out / "dataset.json").is_file()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_build_fills_an_empty_folder_even_the_working_one(tmp_path: Path) -> None:
    result = run("build", "--root", str(FIXTURES), "--out", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "dataset.json",
        "downloads",
        "names.sqlite",
        "pages.txt",
        "statistics.json",
        "store",
    ]
    leftovers = [p for p in tmp_path.parent.iterdir() if p.name.startswith(f".{tmp_path.name}-")]
    assert leftovers == [], "the temporary folder beside it is gone"


VALIDATE_FAILURES = {
    "syntax-error": (("--root", "{broken_root}"), ("broken.ttl:3:", "line 3 column")),
    "syntax-error-as-turtle": (
        ("--root", "{broken_root}", "--format", "turtle"),
        ("broken.ttl:3:", "line 3 column"),
    ),
    "binary-file": (("--root", "{binary_root}"), ("binary.ttl:1:",)),
    "directory-as-file": (("--root", "{folder_root}"), ("folder.ttl", "Is a directory")),
    "no-data": (("--root", "{empty_root}"), ("empty-root", "none of the dataset")),
    "missing-root": (("--root", "{missing}"), ("missing", "does not exist")),
    "file-as-root": (("--root", "{plain}"), ("plain", "is a file")),
    "unknown-format": (("--format", "xml"), ("'xml' is not one of",)),
}


@pytest.mark.parametrize(
    ("args", "expected"), list(VALIDATE_FAILURES.values()), ids=list(VALIDATE_FAILURES)
)
def test_validate_says_why_in_one_line(
    args: tuple[str, ...], expected: tuple[str, ...], inputs: dict[str, Path], tmp_path: Path
) -> None:
    fails_in_one_line(invoke("validate", *fill(args, inputs, tmp_path)), *expected)


def fixture_settings(root: Path, tmp_path: Path) -> dict[str, str]:
    """The environment that points `serve` and `export-static` at ``root``."""
    return {
        "HEALTHTECH_LOD_DATA_ROOT": str(root),
        "HEALTHTECH_LOD_STORE_CACHE_DIR": str(tmp_path / "stores"),
    }


EXPORT_FAILURES = {
    "syntax-error": ("{broken_root}", (), ("broken.ttl:3:", "line 3 column")),
    "directory-as-file": ("{folder_root}", (), ("folder.ttl", "Is a directory")),
    "base-url-with-a-path": ("{fixtures}", ("--base-url", "http://x/lod"), ("no path",)),
    "listen-not-an-address": ("{fixtures}", ("--listen", "80; evil"), ("80; evil",)),
    "bad-upstream": ("{fixtures}", ("--sparql-upstream", "ftp://x"), ("ftp://x",)),
}


@pytest.mark.parametrize(
    ("root", "args", "expected"), list(EXPORT_FAILURES.values()), ids=list(EXPORT_FAILURES)
)
def test_export_static_says_why_in_one_line_and_leaves_nothing(
    root: str,
    args: tuple[str, ...],
    expected: tuple[str, ...],
    inputs: dict[str, Path],
    tmp_path: Path,
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    data = FIXTURES if root == "{fixtures}" else Path(fill((root,), inputs, tmp_path)[0])
    env = fixture_settings(data, tmp_path)
    result = invoke("export-static", str(site / "out"), *args, env=env)
    fails_in_one_line(result, *expected)
    assert list(site.iterdir()) == []


@pytest.mark.parametrize(
    ("folder", "expected"),
    [
        ("{plain}/out", ("plain/out",)),
        ("{plain}", ("plain", "is a file")),
        ("/proc/healthtech-lod-out", ("/proc/healthtech-lod-out",)),
    ],
    ids=["under-a-file", "a-file", "unwritable"],
)
def test_export_static_into_an_unwritable_place_says_so(
    folder: str, expected: tuple[str, ...], inputs: dict[str, Path], tmp_path: Path
) -> None:
    target = fill((folder,), inputs, tmp_path)[0]
    env = fixture_settings(FIXTURES, tmp_path)
    fails_in_one_line(invoke("export-static", target, env=env), *expected)


def test_export_static_writes_its_folder_complete_in_one_step(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    result = run("export-static", str(site / "out"), env=fixture_settings(FIXTURES, tmp_path))
    assert result.returncode == 0, result.stderr
    assert [p.name for p in site.iterdir()] == ["out"]
    assert (site / "out" / "dataset.html").is_file()
    conf = (site / "out" / "nginx.conf").read_text(encoding="utf-8")
    assert f'root "{(site / "out").resolve()}";' in conf, "nginx serves the folder in place"


SERVE_FAILURES = {
    "syntax-error": ("{broken_root}", (), ("broken.ttl:3:", "line 3 column")),
    "syntax-error-dev": ("{broken_root}", ("--dev",), ("broken.ttl:3:", "line 3 column")),
    "directory-as-file": ("{folder_root}", (), ("folder.ttl", "Is a directory")),
    "not-a-build": ("{fixtures}", ("--store", "{plain}"), ("plain", "not a built dataset")),
    "port-out-of-range": ("{fixtures}", ("--port", "99999"), ("99999 is not in the range",)),
    "no-workers": ("{fixtures}", ("--workers", "0"), ("0 is not in the range",)),
    "unknown-host": ("{fixtures}", ("--host", "999.1.1.1"), ("999.1.1.1",)),
    "backend-not-a-url": ("{fixtures}", ("--backend", "sparql:nowhere"), ("sparql:nowhere",)),
    "public-url-not-http": ("{fixtures}", ("--public-url", "ftp://x"), ("--public-url", "ftp://x")),
    "backend-not-answering": (
        "{fixtures}",
        ("--backend", "sparql:http://127.0.0.1:{closed}/sparql"),
        ("cannot be reached",),
    ),
}


#: Refused before the service is set up (options, address): checked in this process.
#: The others open the data first and are run as the real command.
REFUSED_BEFORE_START = {
    "port-out-of-range",
    "no-workers",
    "unknown-host",
    "backend-not-a-url",
    "public-url-not-http",
}


@pytest.mark.parametrize(
    ("name", "root", "args", "expected"),
    [(name, *failure) for name, failure in SERVE_FAILURES.items()],
    ids=list(SERVE_FAILURES),
)
def test_serve_says_why_in_one_line(
    name: str,
    root: str,
    args: tuple[str, ...],
    expected: tuple[str, ...],
    inputs: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from server import free_port

    data = FIXTURES if root == "{fixtures}" else Path(fill((root,), inputs, tmp_path)[0])
    closed = str(free_port())  # nothing listens there
    filled = fill(tuple(a.replace("{closed}", closed) for a in args), inputs, tmp_path)
    if "--port" not in filled:
        filled += ["--port", str(free_port())]
    env = fixture_settings(data, tmp_path)
    if name in REFUSED_BEFORE_START:

        def start(**settings: object) -> None:
            raise AssertionError(f"the service was started with {settings}")

        monkeypatch.setattr(healthtech_lod.server, "run", start)
        result = invoke("serve", *filled, env=env)
    else:
        result = run("serve", *filled, env=env)
    fails_in_one_line(result, *expected)


def test_serve_on_a_port_in_use_says_so(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--port", str(port), env=fixture_settings(FIXTURES, tmp_path))
    fails_in_one_line(result, f"127.0.0.1:{port}", "in use")


class _WebPage(BaseHTTPRequestHandler):
    """Answers every POST with a web page, as a URL that is not an endpoint would."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = b"<!doctype html>\n<p>Not a SPARQL endpoint</p>\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def test_serve_with_a_backend_that_is_not_sparql_says_so(tmp_path: Path) -> None:
    from server import free_port

    page = ThreadingHTTPServer(("127.0.0.1", 0), _WebPage)
    threading.Thread(target=page.serve_forever, daemon=True).start()
    backend = f"sparql:http://127.0.0.1:{page.server_port}/sparql"
    try:
        options = ("--port", str(free_port()), "--backend", backend)
        result = run("serve", *options, env=fixture_settings(FIXTURES, tmp_path))
    finally:
        page.shutdown()
        page.server_close()
    fails_in_one_line(result, f"127.0.0.1:{page.server_port}/sparql is not a SPARQL endpoint")
