"""Bulk downloads: written once per dataset version by the build, then served as files.

``write_folder`` writes the dumps into the build's ``downloads/`` folder: the
repository's statements as their files write them (the store normalises some
literals, ``28.0`` to ``28``), sorted, followed by the statements of any extra
files of the build, streamed (a dump of millions of statements never sits in
memory). Requests never serialise: they get the file through
``send_file(..., conditional=True)``, which answers ETag, Last-Modified, HEAD,
304 and Range requests.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_file,
)
from werkzeug.http import parse_range_header

from .dumps import Manifest, read_manifest
from .echo import quote
from .responses import Link
from .store import DatasetStore

EXTENSION = "healthtech_lod.downloads"

bp = Blueprint("downloads", __name__)


def init_app(app: Flask, store: DatasetStore) -> None:
    """Read the manifest of the build's downloads into ``app.extensions``."""
    if store.folder is None:
        raise ValueError("downloads are prepared by a build (healthtech-lod build)")
    app.extensions[EXTENSION] = read_manifest(store.folder / "downloads")


def get_manifest() -> Manifest:
    """The current app's prepared downloads."""
    manifest: Manifest = current_app.extensions[EXTENSION]
    return manifest


@bp.get("/download/")
def index() -> str:
    """The list of downloads for people, with sizes and checksums."""
    return render_template("downloads.html", files=get_manifest().files)


@bp.get("/download/<name>")
def file(name: str) -> Response:
    """One prepared file. Aborts 404 for a name that is not in the manifest."""
    manifest = get_manifest()
    download = manifest.find(name)
    if download is None:
        abort(404, f"No download named {quote(name)}; the list is at /download/.")
    # One range is answered 206; several get the whole file, 200, as RFC 9110
    # (section 14.2) allows a server to ignore Range (Werkzeug would answer 416).
    ranges = parse_range_header(request.headers.get("Range"))
    several = ranges is not None and len(ranges.ranges) > 1
    response = send_file(
        manifest.folder / download.name,
        mimetype=download.content_type,
        conditional=not several,
        max_age=current_app.config["CACHE_MAX_AGE"],
    )
    if several:
        response.accept_ranges = "bytes"
        response.make_conditional(request)  # in place
    response.headers["Link"] = str(Link(current_app.config["LICENSE"], "license"))
    return response
