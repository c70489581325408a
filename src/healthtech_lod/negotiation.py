"""Content negotiation: one function that picks from the table of media types
(media_types.py).

A route offers some keys of the table, its default first. An explicit override (a
``.ttl`` suffix or ``format=``) wins; otherwise Werkzeug's ``best_match`` follows
the q-values of ``Accept``. A request without ``Accept`` gets the default, a
request whose ``Accept`` matches nothing gets 406 naming the offers. Every
negotiated response carries ``Vary: Accept``.

Media-type parameters (``charset=utf-8``, JSON-LD's ``profile=…``) do not stop a
match: Werkzeug matches them exactly, so ``Accept`` is read once per request
with its parameters set aside, and the one parameter this service honours, the
JSON-LD ``profile``, is read by ``jsonld_profile``.

``Accept`` and ``Accept-Language`` are parsed once per request, and each media
type is matched against ``Accept`` once per request however many times a view
asks (/sparql asks up to four times). A header of more than MAX_ACCEPT_ENTRIES
entries or MAX_ACCEPT_LENGTH characters is refused (431, plain text) before
anything reads it: matching costs in proportion to a header's entries, and no client needs
more (a browser sends a handful, Comunica about fifteen).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from flask import Flask, Response, abort, current_app, g, request
from werkzeug.datastructures import LanguageAccept, MIMEAccept
from werkzeug.exceptions import RequestHeaderFieldsTooLarge
from werkzeug.http import parse_accept_header, parse_options_header

from .echo import quote
from .media_types import (
    BY_KEY,
    MediaType,
    offered,
)


def negotiate(offers: Sequence[str], override: str | None = None) -> MediaType:
    """Pick one of ``offers`` (keys of the table) for the current request.

    ``override`` (a file extension) or else the ``format`` parameter wins over
    ``Accept``. Records the choice for the error handler and for ``Vary``.
    Aborts 406, naming the offers, when the override or ``Accept`` names nothing
    offered.
    """
    g.negotiated = True
    override = override or request.values.get("format")
    chosen = best(offers, override)
    if chosen is None:
        asked = f"format={override}" if override else f"Accept: {request.headers.get('Accept', '')}"
        abort(406, f"Nothing offered here matches {quote(asked)}. Offered: {offered(offers)}.")
    g.media_type = chosen
    return chosen


def best(offers: Sequence[str], override: str | None) -> MediaType | None:
    """The offer the override names, else the best match for ``Accept`` (the first
    offer when there is no ``Accept``); None when nothing matches."""
    if override:
        wanted = override.strip().lower()
        candidates = (BY_KEY[key] for key in offers)
        return next((m for m in candidates if wanted in (*m.names, *m.accepts)), None)
    key = best_for_accept(tuple(offers), _header("Accept"))
    return None if key is None else BY_KEY[key]


@functools.lru_cache(maxsize=1024)
def best_for_accept(offers: tuple[str, ...], accept: str) -> str | None:
    """The key of the offer that best matches the ``Accept`` value ``accept``
    (media-type parameters ignored, q-values kept), the first offer for an empty
    one, None when nothing matches. A function of its arguments alone, so its
    answers are kept: clients send few distinct ``Accept`` values, and a view may
    negotiate several times (/sparql)."""
    parsed = parsed_accept(accept)
    if not parsed:
        return offers[0]
    candidates = [BY_KEY[key] for key in offers]
    match = parsed.best_match([a for m in candidates for a in m.accepts])
    return next((m.key for m in candidates if match in m.accepts), None)


class _Matched(MIMEAccept):
    """A MIMEAccept that matches each media type against its entries once: the
    offers of /sparql's several negotiations share their media types."""

    def __init__(self, values: list[tuple[str, float]]) -> None:
        super().__init__(values)
        self.matches: dict[str, tuple[str, float] | None] = {}

    def _best_single_match(self, match: str) -> tuple[str, float] | None:
        if match not in self.matches:
            self.matches[match] = super()._best_single_match(match)
        return self.matches[match]


@functools.lru_cache(maxsize=256)
def parsed_accept(accept: str) -> _Matched:
    """The ``Accept`` value without media-type parameters (q-values kept)."""
    return _Matched([(_essence(value), q) for value, q in parse_accept_header(accept, MIMEAccept)])


def _accepted() -> MIMEAccept:
    """``Accept`` as Werkzeug parses it, parameters kept; parsed once per request.
    Empty when the header is over the limits (the request is refused anyway)."""
    if "accepted" not in g:
        g.accepted = parse_accept_header(_header("Accept"), MIMEAccept)
    accepted: MIMEAccept = g.accepted
    return accepted


def _essence(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


JSONLD_PROFILES = {
    f"http://www.w3.org/ns/json-ld#{name}": name for name in ("compacted", "expanded", "flattened")
}


def jsonld_profile() -> str:
    """The JSON-LD form asked for by a ``profile`` parameter of an acceptable JSON-LD
    media type in ``Accept`` (JSON-LD 1.1 §9.1): ``compacted`` (the default),
    ``expanded`` or ``flattened``. The best-rated profile given wins."""
    asked = [
        (q, options.get("profile", ""))
        for value, q in _accepted()
        if q > 0 and _essence(value) in BY_KEY["jsonld"].accepts
        for options in (parse_options_header(value)[1],)
    ]
    for _, profiles in sorted(asked, key=lambda item: -item[0]):
        for profile in profiles.split():
            if profile in JSONLD_PROFILES:
                return JSONLD_PROFILES[profile]
    return "compacted"


def language() -> str:
    """The language of the current page: ``lang=`` if it is one of LANGUAGES, else
    the best match of ``Accept-Language``, else the first of LANGUAGES. Chosen once
    per request (a page asks for it for every string it translates)."""
    chosen: str | None = g.get("page_language")
    if chosen is None:
        chosen = g.page_language = _choose_language()
    return chosen


def _choose_language() -> str:
    offered_languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang")
    if asked in offered_languages:
        return str(asked)
    g.language_negotiated = True
    return accepted_languages().best_match(offered_languages) or offered_languages[0]


def accepted_languages() -> LanguageAccept:
    """``Accept-Language`` as Werkzeug parses it; empty when the header is over the
    limits (the request is refused anyway)."""
    return parse_accept_header(_header("Accept-Language"), LanguageAccept)


#: The headers whose size the limits bound: those parsed into lists and matched.
LIMITED_HEADERS = ("Accept", "Accept-Language")


def _header(name: str) -> str:
    """The value of ``name``, or "" when it is over the limits."""
    value = request.headers.get(name, "")
    return "" if _too_large(name, value) else value


def _too_large(name: str, value: str) -> str | None:
    """Why ``value`` of header ``name`` is over the limits, or None."""
    config = current_app.config
    if len(value) > config["MAX_ACCEPT_LENGTH"]:
        return (
            f"The {name} header is {len(value)} characters long; "
            f"the limit is {config['MAX_ACCEPT_LENGTH']}."
        )
    entries = value.count(",") + 1
    if entries > config["MAX_ACCEPT_ENTRIES"]:
        return (
            f"The {name} header has {entries} entries; the limit is "
            f"{config['MAX_ACCEPT_ENTRIES']}. List only what you accept."
        )
    return None


def _check_headers() -> None:
    """Refuse (431) a request whose Accept or Accept-Language is over the limits,
    before anything parses it. The refusal is plain text whatever the request
    accepts: the cheapest answer there is, however the headers are built."""
    for name in LIMITED_HEADERS:
        problem = _too_large(name, request.headers.get(name, ""))
        if problem:
            g.media_type = BY_KEY["text"]
            raise RequestHeaderFieldsTooLarge(problem)


def languages() -> list[str]:
    """LANGUAGES with the current page's language first: the precedence of labels
    and descriptions, each falling back to the next."""
    first = language()
    return [first, *(lang for lang in current_app.config["LANGUAGES"] if lang != first)]


def _vary(response: Response) -> Response:
    if g.get("negotiated"):
        response.vary.add("Accept")
    if g.get("language_negotiated") and response.mimetype == BY_KEY["html"].mimetype:
        response.vary.add("Accept-Language")
    return response


def init_app(app: Flask) -> None:
    """Refuse over-long Accept and Accept-Language headers (431); add ``Vary:
    Accept`` to every response whose content was negotiated, and ``Vary:
    Accept-Language`` to every page whose language was."""
    app.before_request(_check_headers)
    app.after_request(_vary)
