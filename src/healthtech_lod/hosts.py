"""Which hosts the service answers for, and where its links point.

Every absolute URL the service writes (``Location``, ``Link``, ``Content-Location``,
the JSON-LD ``@context``, page links, sitemaps, the dataset's description) is built
from the request's scheme and host. A client chooses its ``Host`` header, while a
shared cache keys a response by its URL: without a check, ``Host: evil.example``
would leave links to evil.example in a response marked ``public, max-age=3600``,
and a malformed ``Host`` gave ``Location: http:///doc/voicemed``.

- ``ALLOWED_HOSTS``: the names a request may be addressed to, whatever the port
  (the loopback names by default), and the host of ``PUBLIC_URL``. The name is the
  ``Host`` header's, or ``X-Forwarded-Host``'s from a trusted proxy
  (``TRUSTED_PROXIES``: ProxyFix runs first). Another name, or a ``Host`` that is
  not ``name[:port]``, gets 400 saying so; its error is written with links to a
  trusted address, never to the refused one. ``/health`` answers whatever the
  host: load balancers and probes address a replica by its own address, and it
  writes no link.
- ``PUBLIC_URL``: when set, every link is built from its scheme and host, whatever
  the request said; links then never depend on the request's host.

Without ``PUBLIC_URL`` behind trusted proxies, links follow ``X-Forwarded-Host``,
``-Proto`` and ``-Prefix``, so responses name them in ``Vary``.

Flask's own ``TRUSTED_HOSTS`` (Werkzeug's check) is not used: it cannot name an IPv6
literal such as ``[::1]``, and a request it refuses fails again, as a 500, wherever
the error page reads ``request.host``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import Flask, Response, abort, request

from .echo import quote

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

#: The environ key that holds a refused ``Host`` for the error handler.
REFUSED = "healthtech_lod.refused_host"

#: Paths answered whatever the host.
ANY_HOST_PATHS = ("/health",)

#: A ``Host`` value: a name or IPv4 address, or a bracketed IPv6 address, and a port.
_HOST = re.compile(
    r"(?P<name>[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\])(?::(?P<port>[0-9]{1,5}))?",
    re.IGNORECASE,
)

#: Headers the links follow behind trusted proxies (without PUBLIC_URL).
FORWARDED = ("X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Prefix")


def host_name(value: str) -> str | None:
    """The name of a ``Host`` value, lower case, or None when it is not ``name[:port]``
    with a port from 1 to 65535."""
    match = _HOST.fullmatch(value)
    if match is None:
        return None
    port = match.group("port")
    if port is not None and not 1 <= int(port) <= 65535:
        return None
    return match.group("name").lower()


def allowed_names(entries: Iterable[str] | str) -> tuple[str, ...]:
    """ALLOWED_HOSTS as names to compare: lower case, without a port, an IPv6
    address in brackets. A string is read as a comma-separated list."""
    if isinstance(entries, str):
        entries = entries.split(",")
    names = []
    for entry in entries:
        entry = entry.strip().lower()
        if entry.startswith("[") and "]" in entry:
            entry = entry[: entry.index("]") + 1]
        elif entry.count(":") > 1:
            entry = f"[{entry}]"  # a bare IPv6 address
        else:
            entry = entry.partition(":")[0]
        if entry:
            names.append(entry)
    return tuple(names)


def is_allowed(name: str, allowed: Sequence[str]) -> bool:
    """Whether ``name`` is one of ``allowed``: equal to an entry, under an entry
    that starts with a dot (``.example.org``: its subdomains), or any name for ``*``."""
    return any(
        entry == "*" or name == entry or (entry.startswith(".") and name.endswith(entry))
        for entry in allowed
    )


def public_url(value: str | None) -> tuple[str, str] | None:
    """PUBLIC_URL as ``(scheme, host[:port])``, or None when unset. Raises ValueError
    for anything but ``http(s)://host[:port]``."""
    if not value:
        return None
    parts = urlsplit(value.strip())
    if (
        parts.scheme not in ("http", "https")
        or host_name(parts.netloc) is None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise ValueError(f"PUBLIC_URL must be http(s)://host[:port], not {value!r}")
    return parts.scheme, parts.netloc.lower()


class HostCheck:
    """WSGI middleware: marks a request for a host not allowed (the view answers 400)
    and gives it a trusted host to build its error's links from; with PUBLIC_URL,
    gives every request PUBLIC_URL's scheme and host."""

    def __init__(
        self, app: WSGIApplication, allowed: Sequence[str], public: tuple[str, str] | None
    ) -> None:
        self.app = app
        self.allowed = allowed
        self.public = public
        self.fallback = public[1] if public else "localhost"

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        given = environ.get("HTTP_HOST")
        if given is None:  # HTTP/1.0 without Host: links would name the server's address
            given = str(environ.get("SERVER_NAME", ""))
        name = host_name(given)
        if name is None or not is_allowed(name, self.allowed):
            if environ.get("PATH_INFO") not in ANY_HOST_PATHS:
                environ[REFUSED] = given
            environ["HTTP_HOST"] = self.fallback
        if self.public:
            environ["wsgi.url_scheme"], environ["HTTP_HOST"] = self.public
        return self.app(environ, start_response)


def _refuse_unknown_host() -> None:
    refused = request.environ.get(REFUSED)
    if refused is None:
        return
    if host_name(refused) is None:
        abort(400, f"The Host header {quote(refused)!r} is not a host name with an optional port.")
    abort(
        400,
        f"This service does not answer for the host {quote(refused)!r}; address it by its "
        "public name (the operator lists the names it answers for in ALLOWED_HOSTS).",
    )


def _vary_on_forwarded(response: Response) -> Response:
    response.vary.update(FORWARDED)
    return response


def init_app(app: Flask) -> None:
    """Check the host of every request of ``app`` (before any other check), and
    build links from PUBLIC_URL when it is set. Call before wrapping ProxyFix
    around ``app.wsgi_app``, so that this check sees the forwarded host. Raises
    ValueError for a PUBLIC_URL that is not ``http(s)://host[:port]``."""
    public = public_url(app.config["PUBLIC_URL"])
    allowed = allowed_names(app.config["ALLOWED_HOSTS"])
    if public:
        allowed = (*allowed, allowed_names([public[1]])[0])
    app.wsgi_app = HostCheck(app.wsgi_app, allowed, public)  # type: ignore[method-assign]
    app.before_request(_refuse_unknown_host)
    if app.config["TRUSTED_PROXIES"] and not public:
        app.after_request(_vary_on_forwarded)
