"""Checks of a SPARQL text by a tokenizer, before any store sees it.

A query is cut into SPARQL's tokens (strings, comments, IRIs, names…), so that a
keyword or a bracket inside a string, a comment or an IRI is not taken for one:
``service_endpoints`` finds the endpoint of each SERVICE clause, and
``federation_refusal`` refuses those not allowed (federation makes Oxigraph call
other servers); ``has_dataset_clause`` tells whether a query names its own
dataset (FROM, FROM NAMED); ``nesting_depth`` and ``nesting_refusal`` refuse a
query nesting brackets deeper than a limit (the parser's stack). The query
worker (``evaluation``), the /sparql handler and the remote backend use them.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from urllib.parse import urljoin

# --- SERVICE detection ----------------------------------------------------------------

# The query is cut into SPARQL's tokens, so that the word SERVICE in a string, a
# comment, an IRI, a variable, a language tag, a blank node label or the local part of
# a prefixed name is not taken for the keyword. The rules err on one side only: what
# a token here hides must be hidden from Oxigraph too, so a token never stops short
# of Oxigraph's (exposing, say, an escaped quote that would open a string here).
# - Comments end at CR or LF, as in Oxigraph; strings follow the grammar exactly.
# - Name characters are a superset of the grammar's (Python's \w and its ranges).
# - Oxigraph reads keywords without a boundary ("trueSERVICE", "SERVICESILENT"), so
#   any run of name characters containing "service" counts as the keyword, and so
#   does the prefix of a prefixed name ("SERVICEex:sparql" is SERVICE ex:sparql).
# - "<" is an IRI or the less-than operator depending on the grammar; a span read
#   here as an IRI can only mislead if it holds a "'" (Oxigraph may read a string
#   from there), so such a span makes every "service" in the query suspect.
# - Oxigraph does not expand \u escapes outside strings and IRIs.
_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_NAME_CHAR = rf"[\w\-{_PN_CHARS_BASE}\u00b7\u0300-\u036f\u203f-\u2040]"
_PN_ESCAPE = r"\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_LOCAL_CHAR = rf"(?:{_NAME_CHAR}|:|%[0-9A-Fa-f]{{2}}|{_PN_ESCAPE})"
_PN_LOCAL = rf"{_PN_LOCAL_CHAR}(?:(?:{_PN_LOCAL_CHAR}|\.)*(?<!\.))?"
_TOKEN = re.compile(
    rf"""
      (?P<space>\s+)
    | (?P<comment>\#[^\r\n]*+)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*+'''
        | \"\"\"(?:[^"\\]|\\.|"(?!""))*+\"\"\"
        | '(?:[^'\\\r\n]|\\.)*+'
        | "(?:[^"\\\r\n]|\\.)*+")
    | (?P<iri><(?:[^<>"{{}}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{{4}}|\\U[0-9A-Fa-f]{{8}})*+>)
    | (?P<var>[?$]{_NAME_CHAR}++)
    | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*+)
    | (?P<pname>{_NAME_CHAR}*+:(?:{_PN_LOCAL})?)
    | (?P<name>{_NAME_CHAR}++)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_MAYBE_SERVICE = re.compile("service", re.IGNORECASE)
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_LOCAL_ESCAPE = re.compile(_PN_ESCAPE)


def service_endpoints(query: str) -> list[str | None]:
    """The endpoint IRI of each SERVICE clause of ``query``, in order; None where the
    endpoint is a variable or an undeclared prefixed name, or cannot be told.

    Prefixed names are expanded and relative IRIs resolved against BASE. The word
    SERVICE in a string, comment, IRI, variable or local name is not a clause; any
    other token containing it is taken for one (see the rules above).
    """
    if _MAYBE_SERVICE.search(query) is None:
        return []
    prefixes: dict[str, str] = {}
    base: str | None = None
    endpoints: list[str | None] = []
    suspect = False
    tokens = _significant_tokens(query)
    for kind, text in tokens:
        if kind == "iri":
            suspect = suspect or "'" in text
            continue
        if kind not in ("name", "pname"):
            continue
        word = text.upper() if kind == "name" else text.partition(":")[0].upper()
        if kind == "name" and word == "BASE":
            kind, text = next(tokens, ("", ""))
            if kind == "iri":
                base = _resolve(base, text)
        elif kind == "name" and word == "PREFIX":
            kind, name = next(tokens, ("", ""))
            iri_kind, iri = next(tokens, ("", ""))
            if kind == "pname" and name.endswith(":") and iri_kind == "iri":
                prefixes[name[:-1]] = _resolve(base, iri)
        elif kind == "name" and word in ("SERVICE", "SERVICESILENT"):
            kind, text = next(tokens, ("", ""))
            if word == "SERVICE" and kind == "name" and text.upper() == "SILENT":
                kind, text = next(tokens, ("", ""))
            endpoints.append(_endpoint(kind, text, base, prefixes))
        elif "SERVICE" in word:
            endpoints.append(None)
    if suspect:
        endpoints.append(None)
    return endpoints


def has_dataset_clause(query: str) -> bool:
    """Whether ``query`` names its own dataset (``FROM`` or ``FROM NAMED``): the
    keyword as a token, not in a string, comment, IRI or name."""
    return any(
        kind == "name" and text.upper() == "FROM" for kind, text in _significant_tokens(query)
    )


def federation_refusal(query: str, allowed: frozenset[str] = frozenset()) -> str | None:
    """Why ``query`` is refused for its SERVICE clauses, or None if every endpoint
    it calls is in ``allowed``."""
    denied = {e for e in service_endpoints(query) if e is None or e not in allowed}
    if not denied:
        return None
    calls = ", ".join(
        sorted("an endpoint that cannot be checked" if e is None else f"<{e}>" for e in denied)
    )
    if not allowed:
        return f"Federated query (SERVICE) is disabled on this endpoint; the query calls {calls}."
    listed = ", ".join(f"<{e}>" for e in sorted(allowed))
    return f"SERVICE may only call {listed}; the query calls {calls}."


def _significant_tokens(query: str) -> Iterator[tuple[str, str]]:
    for match in _TOKEN.finditer(query):
        kind = match.lastgroup
        assert kind is not None
        if kind not in ("space", "comment"):
            yield kind, match.group()


def _endpoint(kind: str, text: str, base: str | None, prefixes: dict[str, str]) -> str | None:
    if kind == "iri":
        return _resolve(base, text)
    if kind == "pname":
        prefix, _, local = text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + _LOCAL_ESCAPE.sub(lambda m: m.group()[1:], local)
    return None


def _resolve(base: str | None, iri: str) -> str:
    """An IRI token's value (escapes decoded), resolved against ``base``."""
    value = _UCHAR.sub(_unescape, iri[1:-1])
    try:
        return urljoin(base, value) if base else value
    except ValueError:  # a base such as <http://[x>: the parser will refuse the query
        return value


def _unescape(match: re.Match[str]) -> str:
    """The character of a \\u or \\U escape; U+FFFD past the last code point (the
    parser then refuses the query)."""
    code = int(match[1] or match[2], 16)
    return chr(code) if code <= sys.maxunicode else "\ufffd"


# --- Nesting depth ----------------------------------------------------------------------

_OPENING = frozenset("({[")
_CLOSING = frozenset(")}]")


def nesting_depth(query: str) -> int:
    """How deep ``query`` nests brackets: ``(``, ``{``, ``[`` and RDF 1.2's ``<<``, all
    counted together, read as SPARQL's tokens (the tokenizer above), so that brackets in
    a string, an IRI or a comment do not count. A closing bracket never takes the count
    below zero."""
    depth = deepest = 0
    second = False  # the token is the second "<" of "<<" or ">" of ">>"
    for match in _TOKEN.finditer(query):
        if match.lastgroup != "other" or second:
            second = False
            continue
        char = match.group()
        doubled = query[match.end() : match.end() + 1] == char
        if char in _OPENING or (char == "<" and doubled):
            depth += 1
            deepest = max(deepest, depth)
            second = char == "<"
        elif char in _CLOSING or (char == ">" and doubled):
            depth = max(0, depth - 1)
            second = char == ">"
    return deepest


def nesting_refusal(query: str, limit: int | None) -> str | None:
    """Why ``query`` is refused for nesting brackets deeper than ``limit`` (None: no
    limit), or None."""
    if limit is None:
        return None
    brackets = sum(query.count(char) for char in _OPENING) + query.count("<<")
    if brackets <= limit:  # it cannot nest deeper than it has brackets
        return None
    depth = nesting_depth(query)
    if depth <= limit:
        return None
    return (
        f"The query nests brackets {depth} deep; the limit is {limit} (parentheses, "
        "braces and square brackets counted together). Write it with fewer nested "
        "groups, sub-queries or parenthesised expressions."
    )
