"""The static export served by Debian's nginx on a loopback port answers like the live
service: 303s, negotiation, Vary, Link, Content-Location, caching, gzip, downloads."""

from __future__ import annotations

import gzip
import os
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import BROWSER, isomorphic, jsonld_graph
from flask import Flask
from programs import require_program
from rdflib import Graph
from server import free_port, stop, wait_until_up
from werkzeug.test import TestResponse

from healthtech_lod.cli import main
from healthtech_lod.export import export_static, normalise_base_url
from healthtech_lod.nginx import nginx_config
from healthtech_lod.static_site import CONFIG_FILE, ExportError, StaticSite

pytestmark = pytest.mark.e2e

RDF_ACCEPTS = (
    "text/turtle",
    "application/ld+json",
    "application/json",
    "application/n-triples",
    "application/rdf+xml",
    "application/xml",
    "application/trig",
)
ACCEPTS = (None, "*/*", *RDF_ACCEPTS, "text/html", BROWSER, "text/*", "application/*")
PARSE = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}


def nginx_binary() -> str:
    return require_program("nginx", "apt-get install -y nginx-light (.ci/run does it)")


@dataclass(frozen=True)
class Served:
    """An export and the nginx serving it."""

    base: str
    site: StaticSite
    live: Flask


class _Upstream(BaseHTTPRequestHandler):
    """Stands for the live service behind /sparql: echoes what it was asked."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = f"live {self.path} host={self.headers['Host']}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def start_nginx(config: Path, run: Path, base: str) -> subprocess.Popen[bytes]:
    """nginx in the foreground with its pid, logs and temporary files under ``run``
    (as root, its workers run as root too: the test's folders are private)."""
    run.mkdir()
    directives = "daemon off;" + (" user root;" if os.geteuid() == 0 else "")
    command = [nginx_binary(), "-p", f"{run}/", "-e", str(run / "error.log")]
    command += ["-c", str(config), "-g", directives]
    log = run / "stderr.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    wait_until_up(f"{base}/context.jsonld", process, log)
    return process


@pytest.fixture(scope="module")
def served(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The fixture dataset exported for a free loopback port and served there by nginx;
    ``live`` is the service the export was made from (same settings)."""
    nginx_binary()
    folder = tmp_path_factory.mktemp("export")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    site = export_static(
        folder / "site", dict(app.config), base_url=base, listen=f"127.0.0.1:{port}"
    )
    process = start_nginx(folder / "site" / CONFIG_FILE, folder / "run", base)
    try:
        yield Served(base, site, app)
    finally:
        stop(process)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Message
    body: bytes


def fetch(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> Answer:
    """One request to nginx, redirects not followed."""
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return Answer(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Answer(error.code, error.headers, error.read())


def both(
    served: Served, path: str, headers: dict[str, str] | None = None
) -> tuple[Answer, TestResponse]:
    static = fetch(served.base + path, headers)
    live = served.live.test_client().get(path, base_url=served.base, headers=headers or {})
    live.get_data()
    live.close()
    return static, live


def vary(values: list[str]) -> set[str]:
    """The Vary tokens, without nginx's Accept-Encoding (gzip)."""
    tokens = {t.strip() for v in values for t in v.split(",")}
    return tokens - {"", "Accept-Encoding"}


def assert_same(
    served: Served, path: str, headers: dict[str, str] | None = None, graphs: bool = False
) -> Answer:
    """nginx answers ``path`` as the live service: status, Content-Type, Location,
    Content-Location, Link, Cache-Control, Vary and the same bytes (the same graph,
    with ``graphs``, for documents whose blank nodes are relabelled on each request)."""
    static, live = both(served, path, headers)
    asked = f"{path} {headers or ''}"
    assert static.status == live.status_code, asked
    if live.status_code == 406:
        # nginx words it alike, but always in plain text.
        assert "Accept" in vary(static.headers.get_all("Vary") or []), asked
        assert b"Offered: " in static.body, asked
        return static
    assert static.headers["Content-Type"] == live.headers["Content-Type"], asked
    for name in ("Location", "Content-Location", "Link", "Cache-Control"):
        assert static.headers[name] == live.headers.get(name), f"{asked}: {name}"
    assert vary(static.headers.get_all("Vary") or []) == vary(live.headers.getlist("Vary")), asked
    if live.status_code != 200:
        return static
    media_type = live.mimetype
    if graphs and media_type == "application/ld+json":
        client = served.live.test_client()
        assert isomorphic(jsonld_graph(client, static.body), jsonld_graph(client, live.data))
    elif graphs and media_type in PARSE:
        ours = Graph().parse(data=static.body, format=PARSE[media_type])
        theirs = Graph().parse(data=live.data, format=PARSE[media_type])
        assert isomorphic(ours, theirs), asked
    else:
        assert static.body == live.data, asked
    return static


def test_identifiers_answer_303_to_their_documents(served: Served) -> None:
    for path in ("/id/voicemed", "/id/source/alpha", "/id/dataset"):
        for accept in (None, "text/turtle", BROWSER):
            static = assert_same(served, path, {"Accept": accept} if accept else None)
            assert static.status == 303
            assert "Accept" in vary(static.headers.get_all("Vary") or [])
    location = fetch(served.base + "/id/voicemed").headers["Location"]
    assert location == served.base + "/doc/voicemed"
    assert fetch(served.base + "/id/nothing-here").status == 404
    assert fetch(served.base + "/id/source/nothing-here").status == 404


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("path", ["/doc/voicemed", "/doc/source/alpha", "/def", "/shapes"])
def test_documents_are_negotiated_like_the_live_service(
    served: Served, path: str, accept: str | None
) -> None:
    static = assert_same(served, path, {"Accept": accept} if accept else None)
    assert "Accept" in vary(static.headers.get_all("Vary") or [])


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("path", ["/", "/dataset", "/.well-known/void", "/quality"])
def test_descriptions_are_negotiated_like_the_live_service(
    served: Served, path: str, accept: str | None
) -> None:
    assert_same(served, path, {"Accept": accept} if accept else None, graphs=True)


def test_every_extension_serves_its_file(served: Served) -> None:
    for stem, extensions in (
        ("/doc/voicemed", ("ttl", "jsonld", "nt", "rdf", "trig", "html")),
        ("/doc/source/beta", ("ttl", "jsonld", "nt", "rdf", "trig", "html")),
        ("/def", ("ttl", "jsonld", "nt", "rdf", "html")),
        ("/shapes", ("ttl", "jsonld", "nt")),
    ):
        for ext in extensions:
            assert_same(served, f"{stem}.{ext}")
    for ext in ("ttl", "jsonld", "nt", "rdf", "html"):
        assert_same(served, f"/dataset.{ext}", graphs=True)
    assert_same(served, "/doc/voicemed?format=jsonld")
    assert_same(served, "/doc/voicemed?format=text%2Fturtle")


def test_pages_in_every_language(served: Served) -> None:
    french = {"Accept": BROWSER, "Accept-Language": "fr-CH, fr;q=0.9, en;q=0.5"}
    for path in (
        "/",
        "/doc/voicemed",
        "/doc/voicemed.html",
        "/def",
        "/browse",
        "/browse/lht:Facility",
        "/download/",
        "/dataset.html",
    ):
        for headers in ({"Accept": BROWSER}, french, {"Accept": BROWSER, "Accept-Language": "de"}):
            assert_same(served, path, headers)
        assert_same(served, path + "?lang=fr", {"Accept": BROWSER})
    page = fetch(served.base + "/doc/voicemed?lang=fr", {"Accept": BROWSER}).body
    assert b'<html lang="fr">' in page
    for path in ("/browse", "/browse/lht:Facility"):
        assert_same(served, path, {"Accept": "application/json"})


def test_unknown_names_are_404_and_private_files_are_not_served(served: Served) -> None:
    for path, accept in (
        ("/doc/nothing-here", None),
        ("/doc/nothing-here", "application/ld+json"),
        ("/doc/nothing-here.ttl", None),
        ("/doc/voicemed.n3", None),
        ("/browse/lht:Nothing", None),
        ("/nothing-here", BROWSER),
        ("/nothing-here", "application/json"),
    ):
        static, live = both(served, path, {"Accept": accept} if accept else None)
        assert static.status == live.status_code == 404, path
        assert static.headers["Content-Type"] == live.headers["Content-Type"], path
    for path in (
        "/" + CONFIG_FILE,
        "/doc/voicemed.negotiated.html",
        "/doc/voicemed.fr.html",
        "/_errors/404.txt",
        "/browse.json",
        "/browse/lht:Facility.fr",
        "/browse/lht:Facility.json",
        "/index.html",
        "/download/index.html",
    ):
        assert fetch(served.base + path).status == 404, path


def test_unacceptable_formats_are_406(served: Served) -> None:
    for path in ("/doc/voicemed", "/def", "/browse"):
        static, live = both(served, path, {"Accept": "image/png"})
        assert static.status == live.status_code == 406
        assert b"Offered: " in static.body
    static, live = both(served, "/doc/voicemed?format=bogus")
    assert static.status == live.status_code == 406


def test_downloads_are_the_prepared_files(served: Served) -> None:
    for name in served.site.downloads:
        assert_same(served, f"/download/{name}")
    ranged = {"Range": "bytes=0-99"}
    static, live = both(served, "/download/healthtech-lod.nq.gz", ranged)
    assert static.status == live.status_code == 206
    assert static.body == live.data
    assert_same(served, "/context.jsonld")
    static, live = both(served, "/static/style.css")
    assert (
        static.body == live.data and static.headers["Content-Type"] == live.headers["Content-Type"]
    )


def test_robots_and_sitemap_are_served(served: Served) -> None:
    for path in ("/robots.txt", "/sitemap.xml"):
        assert_same(served, path)
    assert served.base + "/doc/voicemed" in fetch(served.base + "/sitemap.xml").body.decode()


def test_caching_headers(served: Served) -> None:
    static, live = both(served, "/doc/voicemed.ttl")
    assert static.headers["Last-Modified"] == live.headers["Last-Modified"]
    tag = static.headers["ETag"]
    assert tag and not tag.startswith("W/")
    again = fetch(served.base + "/doc/voicemed.ttl", {"If-None-Match": tag})
    assert again.status == 304
    tags = {
        fetch(served.base + "/doc/voicemed", {"Accept": accept}).headers["ETag"]
        for accept in (*RDF_ACCEPTS[:2], *RDF_ACCEPTS[3:5], "application/trig", "text/html")
    }
    assert len(tags) == 6, "each variant of a negotiated URL has its own ETag"


def test_text_is_gzipped(served: Served) -> None:
    headers = {"Accept": "text/turtle", "Accept-Encoding": "gzip"}
    static, live = both(served, "/doc/voicemed", headers)
    assert static.headers["Content-Encoding"] == live.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(static.body) == gzip.decompress(live.data)
    packed = fetch(served.base + "/download/healthtech-lod.nq.gz", {"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] is None
    assert packed.body == both(served, "/download/healthtech-lod.nq.gz")[1].data


def test_security_and_cors_headers_everywhere(served: Served) -> None:
    for path in ("/doc/voicemed", "/id/voicemed", "/nothing-here", "/download/SHA256SUMS"):
        static, live = both(served, path)
        for name in (
            "Content-Security-Policy",
            "X-Content-Type-Options",
            "Referrer-Policy",
            "X-Frame-Options",
            "Access-Control-Allow-Origin",
            "Access-Control-Expose-Headers",
        ):
            assert static.headers[name] == live.headers[name], f"{path}: {name}"
    preflight = fetch(served.base + "/doc/voicemed", method="OPTIONS")
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, HEAD, POST, OPTIONS"


def test_sparql_needs_the_live_service(served: Served, tmp_path: Path) -> None:
    answer = fetch(served.base + "/sparql?query=ASK%7B%7D")
    assert answer.status == 503
    assert b"static export" in answer.body and b"/download/" in answer.body
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    thread = threading.Thread(target=upstream.serve_forever, daemon=True)
    thread.start()
    port = free_port()
    config = tmp_path / CONFIG_FILE
    live = f"http://127.0.0.1:{upstream.server_address[1]}"
    config.write_text(nginx_config(served.site, f"127.0.0.1:{port}", sparql_upstream=live))
    process = start_nginx(config, tmp_path / "run", f"http://127.0.0.1:{port}")
    try:
        proxied = fetch(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D")
        assert proxied.status == 200
        assert proxied.body == f"live /sparql?query=ASK%7B%7D host=127.0.0.1:{port}".encode()
        assert fetch(f"http://127.0.0.1:{port}/doc/voicemed.ttl").status == 200
    finally:
        stop(process)
        upstream.shutdown()
        upstream.server_close()


def test_the_command_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "kept").write_text("")
    result = CliRunner().invoke(main, ["export-static", str(tmp_path)])
    assert result.exit_code != 0
    assert "not empty" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept"]


def test_the_base_url_has_no_path() -> None:
    assert normalise_base_url("https://lod.example.org/") == "https://lod.example.org"
    with pytest.raises(ExportError):
        normalise_base_url("https://example.org/lod/")
    with pytest.raises(ExportError):
        normalise_base_url("example.org")
