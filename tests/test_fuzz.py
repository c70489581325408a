"""Property-based tests: no hostile input ever gets a 5xx or a traceback.

Hypothesis throws random and hand-made hostile input at every route: SPARQL
queries (random text, text built from a grammar of SPARQL fragments, mutations
of the dataset's example queries) sent in all three ways of the protocol,
``Accept`` and ``Accept-Language`` headers, slugs and paths, query parameters,
form bodies and methods. Each answer must be below 500 and carry no traceback.

The app is the fixture app as production runs it (``TESTING`` off), so an
unexpected exception becomes the service's bare 500 instead of propagating into
the test; the exception is caught from Flask's ``got_request_exception`` signal
and its traceback put in the failure message (and chained to the assertion, so
hypothesis reports each distinct crash separately).

Hypothesis keeps no example database and writes its caches to a temporary folder:
running these tests leaves the repository untouched. ``FUZZ_MAX_EXAMPLES`` (an
environment variable) sets the number of examples of each test: 50 by default,
so that the fast part of ``make test`` stays quick; ``.ci/run`` asks for 400.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote_to_bytes, urlencode

import pyoxigraph as ox
import pytest
from conftest import MakeApp
from flask import Flask, got_request_exception
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from werkzeug.test import TestResponse

from healthtech_lod.dataset import REPO_ROOT
from healthtech_lod.sparql import EXAMPLE

# Hypothesis caches (unicode tables, constants) go to a temporary folder, never to
# .hypothesis/ in the repository (the current directory); HYPOTHESIS_STORAGE_DIRECTORY
# still wins when it is set.
if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "healthtech-lod-hypothesis")

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_MAX_EXAMPLES", "50")),
    # Queries run in worker processes: their first start and a page's first render
    # take longer than hypothesis's default 200 ms deadline.
    deadline=None,
    # No example database: nothing is written under the repository.
    database=None,
    # Slugs of 10,000 characters and long Accept lists are meant to be large.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    # No "explain" phase: its report of covered lines buries the traceback.
    phases=[Phase.explicit, Phase.generate, Phase.target, Phase.shrink],
)

TRACEBACK = b"Traceback (most recent call last)"
SHOWN = 300  # characters of an input shown in a failure message


# --- the app and the property ------------------------------------------------------------


class Hostile:
    """The app under attack and the exceptions it raised during the current request."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.crashes: list[BaseException] = []

    def record(self, sender: Flask, exception: BaseException, **extra: Any) -> None:
        self.crashes.append(exception)

    def send(self, method: str, path: str, **kwargs: Any) -> TestResponse:
        """Send one request and check the property: below 500, no traceback."""
        self.crashes.clear()
        response = self.app.test_client().open(path, method=method, **kwargs)
        body = response.get_data()
        response.close()  # a file sent for HEAD is otherwise left open
        asked = f"{method} {_shown(path)} " + ", ".join(
            f"{key}={_shown(value)}" for key, value in kwargs.items()
        )
        crash = self.crashes[0] if self.crashes else None
        if response.status_code >= 500:
            where = "".join(traceback.format_exception(crash)) if crash else "(no exception)"
            message = f"{asked}\n-> {response.status_code}\n{where}"
            raise AssertionError(message) from crash
        assert TRACEBACK not in body, f"{asked}\n-> a traceback in the body"
        return response


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= SHOWN else f"{text[:SHOWN]}… ({len(text)} characters)"


@pytest.fixture(scope="module")
def hostile(make_app: MakeApp) -> Iterator[Hostile]:
    """The fixture app with TESTING off (an exception is a bare 500, as in
    production), SPARQL answers cut at 1000 rows so random queries stay cheap."""
    app = make_app(TESTING=False, MAX_RESULT_ROWS=1000, HTML_MAX_ROWS=50, ACCESS_LOG=False)
    target = Hostile(app)
    got_request_exception.connect(target.record, app)
    yield target
    got_request_exception.disconnect(target.record, app)


# --- text strategies -----------------------------------------------------------------

#: What a header can hold: Latin-1 (a WSGI server decodes header bytes so), no line break.
HEADER_CHARS = st.characters(codec="latin-1", exclude_characters="\r\n")
HEADER_TEXT = st.text(HEADER_CHARS, max_size=120)

#: Characters a WSGI server can put in a query string (it decodes bytes as Latin-1).
QUERY_STRING_TEXT = st.text(st.characters(codec="latin-1"), max_size=200)

#: Values that broke or nearly broke parsers somewhere: digits that are not decimal,
#: signs, exponents, whitespace, nulls.
TRICKY_NUMBERS = (
    "0", "1", "-1", "+1", "01", "1.0", "1e3", "1e309", "-0", "NaN", "nan", "inf",
    "-inf", "Infinity", "0x10", "1_000", " 1", "1 ", "", " ", "\t", "\x00", "1\x00",
    "²", "³", "¹", "①", "⑳", "٣", "१", "𝟙", "Ⅻ", "½", "௧௦", "99999999999",
    "999999999", "4294967296", "9" * 40, "1" * 400, "abc", "1/2", "١٢",
)  # fmt: skip

TRICKY_TEXT = (
    "", " ", "..", "../..", "../../etc/passwd", "%2f", "%2F..%2F", "%00", "\x00",
    "%", "%zz", "%%", "%u0041", "%c0%af", "\\", "\\..\\", "//", "/", "~", "-", "_",
    "é", "e\u0301", "ß", "İ", "🙂", "\ud7ff", "\ufeff", "\u202e", "\u0000x",
    "<script>alert(1)</script>", "'\"", "{{7*7}}", "${x}", "%s%s%s", "\n", "\r\n",
    "voicemed", "house-of-biohealth", "pioneers", "dataset", "lht:Facility",
    "lht:", ":", "::", "schema:City", "rdf:type", "x" * 10_000, "é" * 3000,
)  # fmt: skip

EXTENSIONS = (
    "ttl", "jsonld", "nt", "rdf", "trig", "html", "nq", "xml", "json", "srj", "csv",
    "TTL", "Html", "ttl.ttl", "ttl.gz", "", ".", "..", "%00", "\x00", "txt", "owl",
    "htm", "ttl ", "jsonld/", "é", "x" * 500,
)  # fmt: skip

#: Formats as ``format=`` takes them, and a few it does not.
FORMAT_NAMES = (
    "json", "xml", "csv", "tsv", "srj", "srx", "ttl", "turtle", "jsonld", "json-ld",
    "nt", "ntriples", "rdf", "rdfxml", "owl", "trig", "nq", "nquads", "html", "htm",
    "txt", "text", "text/html", "application/json", "application/rdf+xml", "*/*",
    "", " ", "JSON", " json ", "pdf", "\x00", "é",
)  # fmt: skip

MEDIA_TYPES = (
    "text/html", "application/xhtml+xml", "text/turtle", "application/ld+json",
    "application/json", "application/n-triples", "application/rdf+xml",
    "application/xml", "application/trig", "application/n-quads",
    "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
    "text/tab-separated-values", "text/plain", "*/*", "text/*", "application/*",
    "*/html", "*", "", "html", "foo", "a/b/c", "/", ";", ",", "text/html;level=1",
    "application/sparql-query", "image/png", "TEXT/HTML", "text/html ",
)  # fmt: skip

Q_VALUES = (
    "0", "1", "0.5", "0.001", "1.000", "abc", "-1", "1.5", "2", "1e3", "NaN", "inf",
    "", "0.", ".5", "१", "0.0001", "00000.1", " 0.5", "0,5", "1;q=0",
)  # fmt: skip

LANGUAGE_TAGS = (
    "en", "fr", "fr-LU", "en-GB", "EN", "Fr", "*", "de", "lb", "", "x-klingon",
    "fr_FR", "zh-Hant-TW", "i-default", "en-", "-", "a" * 300, "é",
)  # fmt: skip


def tricky(values: tuple[str, ...], other: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """One of the hand-made values, or ``other``."""
    return st.one_of(st.sampled_from(values), other)


PARAMETER_NAME = st.text(
    st.characters(codec="latin-1", exclude_characters=";,=\r\n"), min_size=1, max_size=8
)


@st.composite
def media_range(draw: st.DrawFn, types: tuple[str, ...] = MEDIA_TYPES) -> str:
    """A media range with parameters and a q-value, sometimes malformed."""
    text = draw(tricky(types, HEADER_TEXT.filter(lambda t: "," not in t)))
    for name, value in draw(st.lists(st.tuples(PARAMETER_NAME, HEADER_TEXT), max_size=2)):
        text += f";{name}={value}"
    if draw(st.booleans()):
        q = draw(tricky(Q_VALUES, st.floats(allow_nan=True).map(repr)))
        text += draw(st.sampled_from([";q=", "; q=", ";Q=", ";q = "])) + q
    return text


def header_list(item: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Random text, a list of ``item``, or a huge list of one ``item``."""
    return st.one_of(
        HEADER_TEXT,
        st.lists(item, max_size=20).map(", ".join),
        st.lists(item, max_size=8).map(",".join),
        st.builds(lambda one, n: ",".join([one] * n), item, st.integers(200, 3000)),
        st.sampled_from(["*/*;q=0", "*;q=0", "*/*;q=0, text/html;q=0", ",,,,", ";q=1"]),
    )


ACCEPT = header_list(media_range())
ACCEPT_LANGUAGE = header_list(media_range(LANGUAGE_TAGS))


# --- SPARQL strategies -------------------------------------------------------------------

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

KEYWORDS = (
    "SELECT", "SELECT DISTINCT", "SELECT REDUCED", "ASK", "CONSTRUCT", "DESCRIBE",
    "WHERE", "FILTER", "OPTIONAL", "UNION", "MINUS", "GRAPH", "SERVICE",
    "SERVICE SILENT", "SERVICESILENT", "VALUES", "BIND", "AS", "GROUP BY", "HAVING",
    "ORDER BY", "DESC", "ASC", "LIMIT", "OFFSET", "PREFIX", "BASE", "FROM",
    "FROM NAMED", "NAMED", "DEFAULT", "ALL", "INSERT", "INSERT DATA", "DELETE",
    "DELETE DATA", "DELETE WHERE", "WITH", "USING", "LOAD", "LOAD SILENT", "INTO",
    "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "TO", "SILENT", "EXISTS",
    "NOT EXISTS", "IN", "NOT IN", "UNDEF", "true", "false", "a", "select", "Where",
)  # fmt: skip

FUNCTIONS = (
    "COUNT(*)", "COUNT(DISTINCT ?s)", "SAMPLE(?o)", "GROUP_CONCAT(?o; separator=\", \")",
    "SUM(?o)", "AVG(?o)", "MIN(?o)", "MAX(?o)", "STR(?o)", "LANG(?o)", "DATATYPE(?o)",
    "LANGMATCHES(LANG(?o), \"*\")", "REGEX(STR(?o), \"(a+)+$\")", "REGEX(?o, \"[\")",
    "REPLACE(STR(?o), \"\", \"x\")", "SUBSTR(STR(?o), 0, -1)", "STRLEN(?o)",
    "UCASE(?o)", "ENCODE_FOR_URI(?o)", "CONCAT(?o, ?o)", "IRI(?o)", "IRI(\"\")",
    "URI(\"http://[\")", "BNODE()", "STRDT(\"x\", <urn:x>)", "STRLANG(\"x\", \"\")",
    "xsd:integer(?o)", "<http://www.w3.org/2001/XMLSchema#dateTime>(\"x\")",
    "YEAR(NOW())", "TZ(?o)", "ABS(-1)", "1/0", "-(1)", "SHA512(STR(?o))", "MD5(?o)",
    "UUID()", "STRUUID()", "RAND()", "COALESCE()", "IF(?o, 1, 2)", "isIRI(?o)",
    "ROUND(1e308 * 10)", "CONTAINS(?o, \"\")", "STRBEFORE(?o, \"é\")",
)  # fmt: skip

VARIABLES = ("?s", "?p", "?o", "?x", "$s", "?é", "?_", "?1", "?", "$", "?SERVICE")

IRIS = (
    "<https://w3id.org/lu-healthtech/id/voicemed>",
    "<https://w3id.org/lu-healthtech/def#Company>",
    "<https://w3id.org/lu-healthtech/graph/alpha>",
    "<http://www.w3.org/2000/01/rdf-schema#label>",
    "<http://example.org/a>", "<http://x/1>", "<urn:x>", "<>", "<#frag>", "<relative>",
    "<http://[>", "<http://[::1>", "<http://[::1]:99999/>", "<http://x/ y>", "<http://x/\">",
    "<\\u0000>", "<\\u0041>", "<\\uD800>", "<\\uDFFF>", "<\\U0010FFFF>", "<\\U00110000>",
    "<\\UFFFFFFFF>", "<\\U7FFFFFFF>", "<\\u00>", "<javascript:alert(1)>",
    "<file:///etc/passwd>", "<http://127.0.0.1:9/sparql>", "<data:,x>", "<é>", "<'>",
    "<http://x:99999/>", "<http://x/a#>", "<http://x/./a>",
    f"<{RDF}type>", f"<{RDF}li>", f"<{RDF}_1>", f"<{RDF}RDF>", f"<{RDF}Description>",
    f"<{RDF}about>", f"<{RDF}ID>", f"<{RDF}nodeID>", f"<{RDF}parseType>",
    f"<{RDF}resource>", f"<{RDF}datatype>", f"<{RDF}aboutEach>", f"<{RDF}bagID>",
)  # fmt: skip

PREFIXED_NAMES = (
    "rdf:type", "rdfs:label", "schema:name", "lht:Company", "lht:Facility", ":voicemed",
    ":", "ex:", "ex:a", "undeclared:x", "rdf:li", "rdf:_1", "rdf:RDF", "rdf:about",
    "rdf:nodeID", "ex:a\\.b", "ex:%zz", "ex:%41", "ex:a.", "_:b0", "_:", "[]", "()",
    "SERVICEex:a", "a",
)  # fmt: skip

PREFIX_DECLARATIONS = (
    "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>",
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>",
    "PREFIX schema: <https://schema.org/>",
    "PREFIX lht: <https://w3id.org/lu-healthtech/def#>",
    "PREFIX : <https://w3id.org/lu-healthtech/id/>",
    "PREFIX ex: <http://example.org/>",
    "PREFIX ex: <\\UFFFFFFFF>",
    "PREFIX ex: <http://[>",
    "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>",
    "PREFIX SERVICE: <http://127.0.0.1:9/>",
    "BASE <http://example.org/base/>",
    "BASE <http://[x>",
    "BASE <\\U00110000>",
    "BASE <>",
)

LITERALS = (
    '"x"', "'x'", '""', '"""multi\nline"""', "'''a''b'''", '"\\""', "'\\''", '"\\\\"',
    '"\\u00e9"', '"\\U0001F600"', '"\\uD800"', '"\\UFFFFFFFF"', '"\\u0000"', '"\\x41"',
    '"é"@fr', '"x"@en-GB', '"x"@', '"x"@123', '"x"@en-zz-aaaaaaaaa', '"1"^^xsd:integer',
    '"abc"^^<http://www.w3.org/2001/XMLSchema#integer>',
    '"2020"^^<http://www.w3.org/2001/XMLSchema#gYear>',
    '"9999999-99-99"^^<http://www.w3.org/2001/XMLSchema#date>',
    '"1e400"^^<http://www.w3.org/2001/XMLSchema#double>',
    '"<a>"^^<http://www.w3.org/1999/02/22-rdf-syntax-ns#XMLLiteral>',
    '"{"^^<http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON>', '"]]>"', '"\\n\\t\\r"',
    '"unterminated', "'", '"SERVICE <http://127.0.0.1:9/>"', '"\ufffd\U0001f600"',
    '"a\\u2028b"', '"\u2029"', '"\x85"', '"\x0b\x0c\x1c"',
)  # fmt: skip

NUMBERS = (
    "0", "-1", "1.5", "1e309", "-1e309", "99999999999999999999999", ".5", "+3", "1E-400",
    "00", "1.", "0x10", "9" * 50, "1000000000000",
)  # fmt: skip

PUNCTUATION = (
    "{", "}", "{}", ".", ";", ",", "(", ")", "[", "]", "=", "!=", "<", ">", "<=", "&&",
    "||", "!", "^^", "@", "|", "/", "^", "+", "*", "?", "-", "$", "\\", "#", "{{", "}}",
)  # fmt: skip

COMMENTS = ("# comment\n", "#", "# SERVICE <http://127.0.0.1:9/>\n", "#é\r", "\n#\n")

SPARQL_TEXT = st.text(max_size=30)


@st.composite
def iri(draw: st.DrawFn) -> str:
    """A hand-made IRI, an IRI with a random escape, or random text in brackets."""
    return draw(
        st.one_of(
            st.sampled_from(IRIS),
            st.integers(0, 0xFFFFFFFF).map(lambda n: f"<\\U{n:08X}>"),
            st.integers(0, 0xFFFF).map(lambda n: f"<http://x/\\u{n:04X}>"),
            SPARQL_TEXT.map(lambda t: f"<{t}>"),
        )
    )


def literal() -> st.SearchStrategy[str]:
    quoted = SPARQL_TEXT.map(lambda t: '"' + t.replace("\\", "\\\\").replace('"', '\\"') + '"')
    raw = SPARQL_TEXT.map(lambda t: f'"""{t}"""')
    return st.one_of(st.sampled_from(LITERALS), quoted, raw)


def term() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(VARIABLES),
        iri(),
        st.sampled_from(PREFIXED_NAMES),
        literal(),
        st.sampled_from(NUMBERS),
    )


def fragment() -> st.SearchStrategy[str]:
    """Any one token or phrase of SPARQL, or random text."""
    return st.one_of(
        st.sampled_from(KEYWORDS),
        st.sampled_from(FUNCTIONS),
        st.sampled_from(PUNCTUATION),
        st.sampled_from(COMMENTS),
        st.sampled_from(PREFIX_DECLARATIONS),
        term(),
        SPARQL_TEXT,
    )


@st.composite
def token_soup(draw: st.DrawFn) -> str:
    """Fragments in any order, joined by spaces or by nothing."""
    parts = draw(st.lists(fragment(), min_size=1, max_size=30))
    return draw(st.sampled_from([" ", "", "\n", "\t"])).join(parts)


@st.composite
def structured_query(draw: st.DrawFn) -> str:
    """A query shaped like SPARQL: prologue, form, pattern, modifiers. At most three
    triple patterns in all, so that no query joins the data with itself more than
    three times (the fixture data is small; a fourfold product would time out)."""
    budget = [3]

    def pattern(depth: int) -> str:
        choices = ["filter", "bind", "values"]
        if budget[0] > 0:
            choices += ["triple", "triple", "path"]
        if depth > 0:
            choices += ["optional", "union", "minus", "graph", "service", "group", "subquery"]
        kind = draw(st.sampled_from(choices))
        if kind in ("triple", "path"):
            budget[0] -= 1
            subject, verb, obj = draw(term()), draw(term()), draw(term())
            if kind == "path":
                verb = draw(
                    st.sampled_from(
                        [f"{verb}*", f"{verb}+", f"^{verb}", f"({verb}|rdf:type)?", f"!{verb}"]
                    )
                )
            return f"{subject} {verb} {obj}"
        if kind == "filter":
            return f"FILTER ({draw(expression())})"
        if kind == "bind":
            return f"BIND ({draw(expression())} AS {draw(st.sampled_from(VARIABLES))})"
        if kind == "values":
            rows = " ".join(f"({draw(term())})" for _ in range(draw(st.integers(0, 3))))
            return f"VALUES ({draw(st.sampled_from(VARIABLES))}) {{ {rows} }}"
        if kind == "optional":
            return f"OPTIONAL {group(depth - 1)}"
        if kind == "union":
            return f"{group(depth - 1)} UNION {group(depth - 1)}"
        if kind == "minus":
            return f"MINUS {group(depth - 1)}"
        if kind == "graph":
            return f"GRAPH {draw(term())} {group(depth - 1)}"
        if kind == "service":
            silent = draw(st.sampled_from(["", "SILENT ", "silent ", "SILENT\n"]))
            return f"SERVICE {silent}{draw(term())} {group(depth - 1)}"
        if kind == "subquery":
            return f"{{ SELECT * WHERE {group(depth - 1)} LIMIT 5 }}"
        return group(depth - 1)

    def group(depth: int) -> str:
        parts = [pattern(depth) for _ in range(draw(st.integers(0, 3)))]
        joiner = draw(st.sampled_from([" . ", " ", " ; ", " , ", " .\n"]))
        return "{ " + joiner.join(parts) + " }"

    prologue = draw(st.lists(st.sampled_from(PREFIX_DECLARATIONS), max_size=3))
    form = draw(
        st.sampled_from(
            [
                "SELECT", "SELECT DISTINCT", "ASK", "CONSTRUCT", "DESCRIBE",
                "INSERT", "DELETE", "INSERT DATA", "DELETE WHERE", "LOAD", "CLEAR", "DROP",
            ]
        )
    )  # fmt: skip
    if form.startswith("SELECT"):
        head = draw(
            st.sampled_from(["*", "?s", "?s ?o", "(COUNT(*) AS ?n)", "?x (STR(?o) AS ?t)", ""])
        )
    elif form == "CONSTRUCT":
        head = draw(st.sampled_from(["", group(0)]))
    elif form == "DESCRIBE":
        head = " ".join(draw(st.lists(term(), min_size=1, max_size=2)))
    elif form in ("LOAD", "CLEAR", "DROP"):
        head = draw(st.sampled_from(["<http://127.0.0.1:9/x>", "ALL", "DEFAULT", "GRAPH <urn:g>"]))
    else:
        head = group(0)
    datasets = draw(st.lists(st.sampled_from(["FROM", "FROM NAMED"]), max_size=2))
    dataset = " ".join(f"{keyword} {draw(iri())}" for keyword in datasets)
    where = draw(st.sampled_from(["WHERE ", "where ", ""])) + group(2)
    modifiers = draw(
        st.lists(
            st.sampled_from(
                [
                    "GROUP BY ?s",
                    "HAVING (COUNT(*) > 1)",
                    "ORDER BY ?s",
                    "ORDER BY DESC(?o)",
                    "ORDER BY RAND()",
                    f"LIMIT {draw(st.sampled_from(NUMBERS))}",
                    f"OFFSET {draw(st.sampled_from(NUMBERS))}",
                    f"VALUES ?s {{ {draw(term())} }}",
                    draw(st.sampled_from(COMMENTS)),
                ]
            ),
            max_size=3,
        )
    )
    return "\n".join([*prologue, f"{form} {head} {dataset} {where}", *modifiers])


@st.composite
def expression(draw: st.DrawFn) -> str:
    left, right = draw(term()), draw(term())
    operator = draw(st.sampled_from(["=", "!=", "<", ">=", "&&", "||", "+", "-", "*", "/", "IN"]))
    if operator == "IN":
        return f"{left} IN ({right}, {draw(term())})"
    return draw(
        st.sampled_from(
            [f"{left} {operator} {right}", draw(st.sampled_from(FUNCTIONS)), f"!({left})"]
        )
    )


def example_queries() -> list[str]:
    """The sh:select texts of the dataset's example queries (data/queries.ttl, read
    only), and a few small valid queries of every form."""
    select = "http://www.w3.org/ns/shacl#select"
    path = REPO_ROOT / "data" / "queries.ttl"
    found = (
        [q.object.value for q in ox.parse(path=path) if q.predicate.value == select]
        if path.exists()
        else []
    )
    return [
        *found,
        EXAMPLE,
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
        "ASK { ?s a <https://w3id.org/lu-healthtech/def#Company> }",
        "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 20",
        "DESCRIBE <https://w3id.org/lu-healthtech/id/voicemed>",
        'PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nSELECT ?s ?l WHERE { ?s rdfs:label ?l FILTER (LANG(?l) = "fr") } ORDER BY ?l',  # noqa: E501
    ]


EXAMPLE_QUERIES = example_queries()
MUTATION_TEXT = st.one_of(st.sampled_from(KEYWORDS + PUNCTUATION), st.text(max_size=3))


@st.composite
def mutated_query(draw: st.DrawFn) -> str:
    """A valid example query with characters deleted, inserted, replaced, swapped,
    cut or doubled."""
    text = draw(st.sampled_from(EXAMPLE_QUERIES))
    for _ in range(draw(st.integers(1, 6))):
        size = len(text)
        at = draw(st.integers(0, size))
        operation = draw(st.sampled_from(["delete", "insert", "replace", "swap", "cut", "double"]))
        if operation == "delete" and size:
            at = min(at, size - 1)
            text = text[:at] + text[at + 1 :]
        elif operation == "insert":
            text = text[:at] + draw(MUTATION_TEXT) + text[at:]
        elif operation == "replace" and size:
            at = min(at, size - 1)
            text = text[:at] + draw(st.characters()) + text[at + 1 :]
        elif operation == "swap" and size > 1:
            at = min(at, size - 2)
            text = text[:at] + text[at + 1] + text[at] + text[at + 2 :]
        elif operation == "cut":
            end = draw(st.integers(at, min(size, at + 40)))
            text = text[:at] + text[end:]
        elif operation == "double":
            end = draw(st.integers(at, min(size, at + 40)))
            text = text[:end] + text[at:end] + text[end:]
    return text


def _short_timeout(text: str) -> bool:
    """Whether ``timeout=text`` asks for a limit under two seconds: a cheap query may
    then rightly time out (503), which is no crash."""
    try:
        seconds = float(text)
    except ValueError:
        return False
    return math.isfinite(seconds) and 0 < seconds < 2


TIMEOUT_VALUES = st.one_of(
    st.sampled_from(["2", "5", "30", "1e9", "1e309", "inf", "-1", "0", "-0", "nan", "", " ",
                     "abc", "2s", "0x10", "1_0", "٣", "²", "\x00", "9" * 400]),
    st.floats(min_value=2, max_value=1e12).map(repr),
    st.text(max_size=8).filter(lambda t: not _short_timeout(t)),
)  # fmt: skip
TIMEOUTS = st.one_of(st.none(), TIMEOUT_VALUES)

FORMATS = st.one_of(st.none(), st.sampled_from(FORMAT_NAMES), st.text(max_size=10))
ACCEPTS = st.one_of(st.none(), ACCEPT)


@st.composite
def sparql_request(draw: st.DrawFn, query: str) -> tuple[str, dict[str, Any]]:
    """``query`` sent as GET ?query=, a POST form or a POST application/sparql-query
    body, with a random Accept, format= and timeout=."""
    params: dict[str, str] = {}
    for name, value in (("format", draw(FORMATS)), ("timeout", draw(TIMEOUTS))):
        if value is not None:
            params[name] = value
    headers = {}
    accept = draw(ACCEPTS)
    if accept is not None:
        headers["Accept"] = accept
    how = draw(st.sampled_from(["get", "form", "body"]))
    if how == "get":
        return "GET", {"query_string": {"query": query, **params}, "headers": headers}
    if how == "form":
        return "POST", {"data": {"query": query, **params}, "headers": headers}
    headers["Content-Type"] = "application/sparql-query"
    return "POST", {"data": query.encode(), "query_string": params, "headers": headers}


# --- 1. SPARQL queries ---------------------------------------------------------------------


@FUZZ
@given(data=st.data(), query=st.text())
def test_random_text_as_a_query(hostile: Hostile, data: st.DataObject, query: str) -> None:
    method, kwargs = data.draw(sparql_request(query))
    hostile.send(method, "/sparql", **kwargs)


@FUZZ
@given(data=st.data(), query=st.one_of(structured_query(), token_soup()))
def test_sparql_like_text_as_a_query(hostile: Hostile, data: st.DataObject, query: str) -> None:
    method, kwargs = data.draw(sparql_request(query))
    hostile.send(method, "/sparql", **kwargs)


@FUZZ
@given(data=st.data(), query=mutated_query())
def test_mutated_example_queries(hostile: Hostile, data: st.DataObject, query: str) -> None:
    method, kwargs = data.draw(sparql_request(query))
    hostile.send(method, "/sparql", **kwargs)


GRAPH_FORMATS = ("ttl", "jsonld", "nt", "rdf", "trig", "nq", "html")
RESULT_FORMATS = ("json", "xml", "csv", "tsv", "html")
STANDARD_PREFIXES = "\n".join(PREFIX_DECLARATIONS[:6] + PREFIX_DECLARATIONS[8:9])
TURTLE_PREFIXES = "\n".join(f"@{d.lower()} ." for d in PREFIX_DECLARATIONS[:6])


def _parses(statement: str) -> bool:
    """Whether Turtle reads ``statement`` (its terms are then valid SPARQL terms too)."""
    try:
        list(ox.parse(f"{TURTLE_PREFIXES}\n{statement} .", format=ox.RdfFormat.TURTLE))
    except SyntaxError:
        return False
    return True


#: The hand-made terms that are valid where they stand, so that most generated
#: CONSTRUCT and VALUES queries parse and their odd terms reach the serialisers.
ODD_NODES = (
    "<http://x:99999/>", "<http://x:0/>", "<http://[::1]/>", "<http://[v1.x]/>",
    "<http://x/a#>", "<http://x/a?>", "<http://x/./a>", "<http://x/../a>", "<http://x:80/>",
    "<https://w3id.org/lu-healthtech/id/../def>", "<https://w3id.org/lu-healthtech/id/#>",
    "<https://w3id.org/lu-healthtech/id/a:b>", "<https://w3id.org/lu-healthtech/id/?x>",
)  # fmt: skip
_CANDIDATES = IRIS + ODD_NODES + PREFIXED_NAMES
VALID_SUBJECTS = [t for t in _CANDIDATES if _parses(f"{t} <urn:p> <urn:o>")]
VALID_PREDICATES = [t for t in _CANDIDATES if _parses(f"<urn:s> {t} <urn:o>")]
VALID_OBJECTS = [t for t in _CANDIDATES + LITERALS + NUMBERS if _parses(f"<urn:s> <urn:p> {t}")]


def escaped_literal() -> st.SearchStrategy[str]:
    """Random text as a valid SPARQL string, with a language tag or a datatype."""
    quoted = SPARQL_TEXT.map(
        lambda t: (
            '"'
            + t.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
            + '"'
        )
    )
    suffix = st.sampled_from(["", "@en", "@fr-LU", "^^xsd:integer", "^^xsd:dateTime", "^^<urn:d>"])
    return st.builds(str.__add__, quoted, suffix)


def valid(values: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(values)


@st.composite
def constructed(draw: st.DrawFn) -> str:
    """A CONSTRUCT of a few ground statements (odd IRIs, RDF/XML's reserved terms,
    literals of every kind): every graph it builds must serialise in every format."""
    subjects = st.one_of(valid(VALID_SUBJECTS), st.just("_:b"), iri())
    predicates = st.one_of(valid(VALID_PREDICATES), valid(VALID_PREDICATES), iri())
    objects = st.one_of(valid(VALID_OBJECTS), escaped_literal(), iri())
    triples = draw(st.lists(st.tuples(subjects, predicates, objects), min_size=1, max_size=3))
    template = " . ".join(" ".join(triple) for triple in triples)
    return f"{STANDARD_PREFIXES}\nCONSTRUCT {{ {template} }} WHERE {{}}"


@st.composite
def bound_values(draw: st.DrawFn) -> str:
    """A SELECT binding odd values (and an expression's value): every solution must be
    written in every results format."""
    objects = st.one_of(valid(VALID_OBJECTS), escaped_literal(), iri())
    values = " ".join(f"({value})" for value in draw(st.lists(objects, min_size=1, max_size=3)))
    return (
        f"{STANDARD_PREFIXES}\nSELECT ?x ?y WHERE {{ VALUES (?x) {{ {values} }} "
        f"BIND ({draw(expression())} AS ?y) }}"
    )


@FUZZ
@given(query=constructed(), fmt=st.sampled_from(GRAPH_FORMATS))
def test_constructed_graphs_in_every_format(hostile: Hostile, query: str, fmt: str) -> None:
    hostile.send("GET", "/sparql", query_string={"query": query, "format": fmt})


@FUZZ
@given(query=bound_values(), fmt=st.sampled_from(RESULT_FORMATS))
def test_bound_values_in_every_results_format(hostile: Hostile, query: str, fmt: str) -> None:
    hostile.send("GET", "/sparql", query_string={"query": query, "format": fmt})


# --- 2. Accept and Accept-Language ------------------------------------------------------------

NEGOTIATED_PATHS = (
    "/", "/doc/voicemed", "/sparql", "/search?q=x", "/def", "/download/", "/browse",
    "/quality", "/dataset", "/doc/voicemed.ttl", "/doc/nothing", "/browse/lht:Facility",
    "/rdf-graphs?default", "/sparql?query=ASK%20%7B%7D", "/shapes", "/nowhere",
    "/id/voicemed", "/search?q=x&format=json",
)  # fmt: skip


@FUZZ
@given(
    path=st.sampled_from(NEGOTIATED_PATHS),
    accept=ACCEPTS,
    accept_language=st.one_of(st.none(), ACCEPT_LANGUAGE),
    lang=st.one_of(st.none(), tricky(LANGUAGE_TAGS, st.text(max_size=5))),
)
def test_accept_and_accept_language(
    hostile: Hostile, path: str, accept: str | None, accept_language: str | None, lang: str | None
) -> None:
    headers = {}
    if accept is not None:
        headers["Accept"] = accept
    if accept_language is not None:
        headers["Accept-Language"] = accept_language
    if lang is not None:
        path += ("&" if "?" in path else "?") + urlencode({"lang": lang})
    hostile.send("GET", path, headers=headers)


CONDITIONAL_PATHS = (
    "/download/healthtech-lod.ttl", "/download/healthtech-lod.ttl.gz", "/download/SHA256SUMS",
    "/doc/voicemed.ttl", "/doc/voicemed", "/dataset", "/def", "/static/style.css",
    "/sparql?query=ASK%20%7B%7D", "/sparql?query=ASK%20%7B%7D&format=html", "/quality",
)  # fmt: skip
RANGES = (
    "bytes=0-99", "bytes=-0", "bytes=0-", "bytes=-1", "bytes=5-1", "bytes=0-0,1-1,2-2",
    "bytes=99999999999999999999-", "bytes=-99999999999999999999", "bytes=a-b", "bytes=",
    "bytes", "items=0-1", "bytes=0-1,", "bytes=,", "bytes=1-2-3", "bytes=0-9223372036854775808",
    ", ".join(f"bytes={n}-{n}" for n in range(300)),
)  # fmt: skip
DATES = (
    "Tue, 24 Nov 2026 00:00:00 GMT", "Thu, 01 Jan 1970 00:00:00 GMT",
    "Fri, 31 Dec 9999 23:59:59 GMT", "Mon, 01 Jan 0001 00:00:00 GMT",
    "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
    "Sun Nov  6 08:49:37 1994", "2026-11-24", "0", "-1", "99999999999", "yesterday",
    "Tue, 32 Nov 2026 25:61:61 GMT", "Tue, 24 Nov 2026 00:00:00 +9999",
)  # fmt: skip
ETAGS = ("*", '"x"', 'W/"x"', "W/", '"', '""', "x", '"a", "b"', 'W/"a", *', ", ,", '"\\""')


@FUZZ
@given(
    path=st.sampled_from(CONDITIONAL_PATHS),
    conditions=st.dictionaries(
        st.sampled_from(
            ["If-None-Match", "If-Match", "If-Modified-Since", "If-Unmodified-Since",
             "If-Range", "Range"]
        ),
        tricky(RANGES + DATES + ETAGS, HEADER_TEXT),
        max_size=4,
    ),
    method=st.sampled_from(["GET", "HEAD"]),
)  # fmt: skip
def test_conditional_and_range_headers(
    hostile: Hostile, path: str, conditions: dict[str, str], method: str
) -> None:
    hostile.send(method, path, headers=conditions)


# --- 3. slugs and paths ---------------------------------------------------------------------

PATH_TEMPLATES = (
    "/id/{slug}", "/id/source/{slug}", "/doc/{slug}", "/doc/{slug}.{ext}",
    "/doc/source/{slug}", "/doc/source/{slug}.{ext}", "/graph/{slug}", "/browse/{slug}",
    "/download/{slug}", "/static/{slug}", "/def.{ext}", "/dataset.{ext}", "/shapes.{ext}",
    "/quality.{ext}", "/{slug}", "/{slug}.{ext}", "/doc/{slug}/{slug}",
)  # fmt: skip

SLUGS = st.one_of(
    st.sampled_from(TRICKY_TEXT),
    st.text(),
    st.text(st.characters(codec="ascii"), max_size=40),
    st.builds(lambda text, n: text * n, st.text(min_size=1, max_size=3), st.integers(1, 10_000)),
    st.builds("{}.{}".format, st.sampled_from(TRICKY_TEXT[:30]), st.sampled_from(EXTENSIONS)),
)
ENCODINGS = st.sampled_from(["raw", "quoted", "quoted-keep-slashes", "double-quoted"])


def encoded(text: str, encoding: str) -> str:
    if encoding == "quoted":
        return quote(text, safe="")
    if encoding == "quoted-keep-slashes":
        return quote(text, safe="/:~")
    if encoding == "double-quoted":
        return quote(quote(text, safe=""), safe="")
    return text


@FUZZ
@given(
    template=st.sampled_from(PATH_TEMPLATES),
    slug=SLUGS,
    ext=tricky(EXTENSIONS, st.text(max_size=10)),
    encoding=ENCODINGS,
    accept=st.sampled_from([None, "text/html", "application/json", "text/turtle", "*/*"]),
)
def test_slugs_and_paths(
    hostile: Hostile, template: str, slug: str, ext: str, encoding: str, accept: str | None
) -> None:
    target = template.format(slug=encoded(slug, encoding), ext=encoded(ext, encoding))
    hostile.send("GET", "/", environ_overrides=wsgi_target(target), headers=_accept(accept))


def wsgi_target(target: str) -> dict[str, str]:
    """The environ a WSGI server makes of a request target sent as UTF-8 (PEP 3333):
    the path percent-decoded, both strings of Latin-1 characters standing for bytes.
    Set directly, since the test client would read a target such as ``//x`` as a URL
    with a host."""
    raw = target.encode("utf-8", "surrogatepass").decode("latin-1")
    path, _, query = raw.partition("#")[0].partition("?")
    return {
        "PATH_INFO": unquote_to_bytes(path.encode("latin-1")).decode("latin-1"),
        "QUERY_STRING": query,
        "REQUEST_URI": raw,
        "RAW_URI": raw,
    }


def _accept(accept: str | None) -> dict[str, str]:
    return {"Accept": accept} if accept is not None else {}


# --- 4. query parameters and bodies --------------------------------------------------------

IRI_VALUES = (
    "https://w3id.org/lu-healthtech/graph/alpha", "https://w3id.org/lu-healthtech/graph/nope",
    "http://example.org/", "urn:x", "", " ", "relative", "http://[", "http://[::1",
    "http://x/ y", "http://x/\x00", "javascript:alert(1)", "file:///etc/passwd", "<urn:x>",
    "http://x/%zz", "é", "http://é.example/", "x" * 5000,
)  # fmt: skip

PARAM_VALUES = st.one_of(
    st.sampled_from(TRICKY_TEXT),
    st.sampled_from(TRICKY_NUMBERS),
    st.sampled_from(IRI_VALUES),
    st.text(max_size=300),
)


def pairs(names: tuple[str, ...], values: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    """A list of (name, value) with repeated names, and sometimes random names."""
    name = st.one_of(st.sampled_from(names), st.text(max_size=8))
    return st.lists(st.tuples(name, values), max_size=6)


def query_string(pair_list: list[tuple[str, str]], raw: str | None) -> str:
    """The pairs URL-encoded, or (when given) raw text as a client might send it."""
    return raw if raw is not None else urlencode(pair_list)


RAW_QUERY_STRINGS = st.one_of(
    st.none(),
    st.none(),
    QUERY_STRING_TEXT,
    st.sampled_from(["default", "graph", "graph=", "&&&", "=", "q=%", "page=%00", "q=%zz"]),
)
#: Text that means something to SQLite's FTS5 (the name index) or to LIKE.
SEARCH_TEXT = (
    '"', '""', '"abc', "*", "abc*", "NEAR(abc def)", "abc AND", "OR", "NOT abc", "^abc",
    "folded:abc", "{folded}: abc", "(abc", "abc)", "-abc", "+abc", "%", "_", "%_%", "\\",
    "abc\x00def", "\x00\x00\x00", "ab", "a", "univ", "UNIVERSITÉ", "ǅǅǅ", "ﬃﬃ", "İİİ",
    "ß" * 100, "a" * 200, "a" * 201, " a" * 100, "\u0301\u0301\u0301", "\ufffd\ufffd\ufffd",
)  # fmt: skip
PAGE_ACCEPTS = st.sampled_from([None, "text/html", "application/json", "*/*", "text/turtle"])


def send_pairs(
    hostile: Hostile,
    path: str,
    pair_list: list[tuple[str, str]],
    raw: str | None,
    accept: str | None,
) -> TestResponse:
    return hostile.send(
        "GET",
        path,
        query_string=query_string(pair_list, raw),
        headers={"Accept": accept} if accept else {},
    )


@FUZZ
@given(
    pair_list=pairs(
        ("q", "q", "lang", "format"), tricky(TRICKY_TEXT + SEARCH_TEXT, st.text(max_size=250))
    ),
    raw=RAW_QUERY_STRINGS,
    accept=PAGE_ACCEPTS,
)
def test_search_parameters(
    hostile: Hostile, pair_list: list[tuple[str, str]], raw: str | None, accept: str | None
) -> None:
    send_pairs(hostile, "/search", pair_list, raw, accept)


@FUZZ
@given(
    name=tricky(("lht:Facility", "schema:City", "lht:Company", "lht:"), SLUGS),
    pair_list=pairs(("page", "page", "lang", "format"), tricky(TRICKY_NUMBERS, PARAM_VALUES)),
    raw=RAW_QUERY_STRINGS,
    accept=PAGE_ACCEPTS,
)
def test_browse_parameters(
    hostile: Hostile,
    name: str,
    pair_list: list[tuple[str, str]],
    raw: str | None,
    accept: str | None,
) -> None:
    send_pairs(hostile, "/browse/" + quote(name, safe=":"), pair_list, raw, accept)


@FUZZ
@given(
    pair_list=pairs(("graph", "graph", "default", "format"), tricky(IRI_VALUES, PARAM_VALUES)),
    raw=RAW_QUERY_STRINGS,
    accept=st.one_of(PAGE_ACCEPTS, st.sampled_from(MEDIA_TYPES)),
)
def test_rdf_graphs_parameters(
    hostile: Hostile, pair_list: list[tuple[str, str]], raw: str | None, accept: str | None
) -> None:
    send_pairs(hostile, "/rdf-graphs", pair_list, raw, accept)


@FUZZ
@given(
    path=st.sampled_from(
        ["/", "/doc/voicemed", "/def", "/quality", "/download/", "/dataset", "/browse",
         "/sparql", "/doc/nothing", "/shapes", "/id/voicemed", "/graph/alpha"]
    ),
    pair_list=pairs(("lang", "format", "page", "q"), tricky(LANGUAGE_TAGS, PARAM_VALUES)),
    raw=RAW_QUERY_STRINGS,
    accept=PAGE_ACCEPTS,
)  # fmt: skip
def test_lang_and_format_parameters_of_pages(
    hostile: Hostile,
    path: str,
    pair_list: list[tuple[str, str]],
    raw: str | None,
    accept: str | None,
) -> None:
    send_pairs(hostile, path, pair_list, raw, accept)


SPARQL_PARAMETERS = (
    "query", "default-graph-uri", "named-graph-uri", "timeout", "format", "update",
    "lang", "using-graph-uri",
)  # fmt: skip

SPARQL_VALUES = st.one_of(
    PARAM_VALUES,
    st.sampled_from(EXAMPLE_QUERIES),
    st.sampled_from(FORMAT_NAMES),
    TIMEOUT_VALUES,
)


@FUZZ
@given(
    pair_list=pairs(SPARQL_PARAMETERS, SPARQL_VALUES),
    how=st.sampled_from(["get", "form", "get-raw"]),
    raw=QUERY_STRING_TEXT,
    accept=st.one_of(st.none(), st.sampled_from(MEDIA_TYPES)),
)
def test_sparql_protocol_parameters(
    hostile: Hostile,
    pair_list: list[tuple[str, str]],
    how: str,
    raw: str,
    accept: str | None,
) -> None:
    # A query with a short timeout may rightly time out (503): keep timeouts long.
    pair_list = [(k, v) for k, v in pair_list if not (k == "timeout" and _short_timeout(v))]
    headers = {"Accept": accept} if accept is not None else {}
    if how == "form":
        hostile.send("POST", "/sparql", data=urlencode(pair_list), headers={
            **headers, "Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    elif how == "get":
        hostile.send("GET", "/sparql", query_string=urlencode(pair_list), headers=headers)
    else:
        hostile.send("GET", "/sparql", query_string=raw, headers=headers)


CONTENT_TYPES = (
    "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-16",
    "application/x-www-form-urlencoded; charset=nope", "multipart/form-data",
    "multipart/form-data; boundary=x", "multipart/form-data; boundary=",
    "multipart/form-data; boundary=\"", "application/sparql-query",
    "application/sparql-query; charset=latin-1", "application/sparql-query; charset=nope",
    "Application/SPARQL-Query", "application/sparql-update", "text/plain",
    "application/json", "application/octet-stream", "", ";", "*/*", "text/turtle",
)  # fmt: skip


@st.composite
def body(draw: st.DrawFn) -> bytes:
    """Random bytes, text, a form, a multipart body or a query, sometimes too big."""
    return draw(
        st.one_of(
            st.binary(max_size=2000),
            st.text(max_size=500).map(lambda t: t.encode("utf-8", "surrogatepass")),
            pairs(SPARQL_PARAMETERS, SPARQL_VALUES).map(lambda p: urlencode(p).encode()),
            st.builds(
                lambda name, value: (
                    f'--x\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n--x--'
                ).encode("utf-8", "surrogatepass"),
                st.sampled_from(["query", "update", "", '"', "query\x00"]),
                st.one_of(st.sampled_from(EXAMPLE_QUERIES), st.text(max_size=100)),
            ),
            st.sampled_from(EXAMPLE_QUERIES).map(str.encode),
            st.sampled_from([b"--x\r\n", b"--x--", b"--", b"query=%", b"query", b"\xff\xfe"]),
            st.integers(60_000, 80_000).map(lambda n: b"query=" + b"x" * n),
        )
    )


@FUZZ
@given(
    content_type=st.one_of(st.sampled_from(CONTENT_TYPES), HEADER_TEXT),
    payload=body(),
    accept=st.one_of(st.none(), st.sampled_from(MEDIA_TYPES)),
    query=st.one_of(st.none(), st.sampled_from(["format=json", "timeout=-1", "update=1"])),
)
def test_random_post_bodies(
    hostile: Hostile, content_type: str, payload: bytes, accept: str | None, query: str | None
) -> None:
    headers = {"Content-Type": content_type}
    if accept is not None:
        headers["Accept"] = accept
    hostile.send("POST", "/sparql", data=payload, headers=headers, query_string=query or "")


# --- hostile inputs found by the properties above ----------------------------------------
# Each was a minimal failing example; they stay here so that the failure is
# deterministic (the properties draw at random) until the service answers them.

PREFIXES = "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
FOUND = {
    "browse-page-superscript-digit": ("/browse/lht:Facility", {"page": "²"}),
    "service-check-prefix-escape-too-big": (
        "/sparql",
        {"query": "PREFIX ex: <\\UFFFFFFFF>\nSELECT * WHERE { SERVICE ?s { } }"},
    ),
    "service-check-prefix-escape-past-unicode": (
        "/sparql",
        {"query": "PREFIX ex: <\\U00110000>\nASK { ?s ?p 'service' }"},
    ),
    "service-check-base-bad-ipv6": (
        "/sparql",
        {"query": "BASE <http://[x>\nPREFIX ex: <a>\nASK { } # service"},
    ),
    "rdfxml-reserved-predicate": (
        "/sparql",
        {"query": PREFIXES + 'CONSTRUCT { <urn:s> rdf:li "x" } WHERE { }', "format": "rdf"},
    ),
    "jsonld-port-out-of-range": (
        "/sparql",
        {"query": "CONSTRUCT { <http://x:99999/> <urn:p> <urn:o> } WHERE { }", "format": "jsonld"},
    ),
    "jsonld-line-separator-in-literal": (
        "/sparql",
        {"query": 'CONSTRUCT { <urn:s> <urn:p> "a\\u2028b" } WHERE { }', "format": "jsonld"},
    ),
    "jsonld-rdf-json-literal-that-is-not-json": (
        "/sparql",
        {
            "query": PREFIXES + 'CONSTRUCT { <urn:s> <urn:p> "{"^^rdf:JSON } WHERE { }',
            "format": "jsonld",
        },
    ),
    "search-nul-character": ("/search", {"q": 'x"\x00'}),
    "reconcile-superscript-cursor": ("/reconcile/suggest/entity", {"prefix": "a", "cursor": "²"}),
    "reconcile-nan-limit": ("/reconcile", {"queries": '{"q": {"query": "x", "limit": NaN}}'}),
    "reconcile-infinite-limit": ("/reconcile", {"queries": '{"q": {"query": "", "limit": 1e999}}'}),
}


@pytest.mark.parametrize(("path", "params"), FOUND.values(), ids=FOUND.keys())
def test_inputs_found_by_fuzzing(hostile: Hostile, path: str, params: dict[str, str]) -> None:
    hostile.send("GET", path, query_string=params)


# --- methods ---------------------------------------------------------------------------------

ROUTES = (
    "/", "/sparql", "/doc/voicemed", "/doc/voicemed.ttl", "/id/voicemed", "/search",
    "/browse", "/browse/lht:Facility", "/rdf-graphs", "/download/",
    "/download/healthtech-lod.ttl", "/def", "/dataset", "/quality", "/static/style.css",
    "/context.jsonld", "/reconcile", "/reconcile/suggest/entity", "/reconcile/preview",
)  # fmt: skip


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("path", ROUTES)
def test_writing_methods_are_405(hostile: Hostile, method: str, path: str) -> None:
    response = hostile.send(method, path, data=b"x", headers={"Content-Type": "text/turtle"})
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


@FUZZ
@given(
    method=st.one_of(
        st.sampled_from(["PUT", "DELETE", "PATCH", "POST", "TRACE", "CONNECT", "PROPFIND",
                         "FOO", "get", "OPTIONS", "HEAD"]),
        st.text(st.characters(codec="ascii", categories=["Lu", "Ll"]), min_size=1, max_size=8),
    ),
    path=st.sampled_from(ROUTES),
    payload=st.binary(max_size=200),
)  # fmt: skip
def test_any_method(hostile: Hostile, method: str, path: str, payload: bytes) -> None:
    hostile.send(method, path, data=payload)


# --- the reconciliation service ------------------------------------------------------------

#: Any JSON value, NaN and infinities included (Python's json reads them).
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(TRICKY_TEXT),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
RECONCILE_IDS = st.sampled_from(
    (
        "https://w3id.org/lu-healthtech/id/voicemed",
        "https://w3id.org/lu-healthtech/id/source/alpha",
        "https://w3id.org/lu-healthtech/id/",
        "lht:Company",
        "schema:location",
        "schema:foundingDate",
        "rdf:type",
        "dcterms:source",
        "http://a/<b>",
        "urn:x",
        "",
    )
)
RECONCILE_QUERY = st.fixed_dictionaries(
    {},
    optional={
        "query": st.one_of(st.sampled_from(TRICKY_TEXT), st.text(max_size=60), JSON_VALUES),
        "type": st.one_of(RECONCILE_IDS, st.lists(RECONCILE_IDS, max_size=3), JSON_VALUES),
        "limit": st.one_of(st.integers(), st.floats(), JSON_VALUES),
        "properties": st.one_of(
            st.lists(
                st.fixed_dictionaries(
                    {"pid": st.one_of(RECONCILE_IDS, JSON_VALUES), "v": JSON_VALUES}
                ),
                max_size=3,
            ),
            JSON_VALUES,
        ),
        "type_strict": st.one_of(st.sampled_from(("any", "should", "all")), JSON_VALUES),
    },
)
RECONCILE_BATCHES = st.one_of(
    st.dictionaries(st.text(max_size=6), st.one_of(RECONCILE_QUERY, JSON_VALUES), max_size=4),
    JSON_VALUES,
)
EXTEND_QUERIES = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "ids": st.one_of(st.lists(RECONCILE_IDS, max_size=4), JSON_VALUES),
            "properties": st.one_of(
                st.lists(
                    st.fixed_dictionaries(
                        {"id": st.one_of(RECONCILE_IDS, JSON_VALUES)},
                        optional={
                            "settings": st.one_of(
                                st.fixed_dictionaries(
                                    {"source": st.one_of(RECONCILE_IDS, JSON_VALUES)}
                                ),
                                JSON_VALUES,
                            )
                        },
                    ),
                    max_size=3,
                ),
                JSON_VALUES,
            ),
        },
    ),
    JSON_VALUES,
)


@FUZZ
@given(
    name=st.sampled_from(("queries", "extend")),
    batch=st.one_of(RECONCILE_BATCHES, EXTEND_QUERIES),
    raw=st.one_of(st.none(), st.sampled_from(TRICKY_TEXT), st.text(max_size=100)),
    method=st.sampled_from(("GET", "POST")),
)
def test_reconciliation_and_extension_queries(
    hostile: Hostile, name: str, batch: Any, raw: str | None, method: str
) -> None:
    text = raw if raw is not None else json.dumps(batch)
    if method == "GET":
        response = hostile.send("GET", "/reconcile", query_string={name: text})
    else:
        response = hostile.send("POST", "/reconcile", data={name: text})
    assert response.status_code in (200, 400, 413), response.status_code


@FUZZ
@given(
    path=st.sampled_from(
        (
            "/reconcile/suggest/entity",
            "/reconcile/suggest/type",
            "/reconcile/suggest/property",
            "/reconcile/properties",
            "/reconcile/preview",
            "/reconcile/view",
        )
    ),
    pair_list=pairs(
        ("prefix", "cursor", "type", "limit", "id", "lang"),
        tricky(TRICKY_TEXT + TRICKY_NUMBERS, PARAM_VALUES),
    ),
    raw=RAW_QUERY_STRINGS,
    accept=PAGE_ACCEPTS,
)
def test_reconcile_service_parameters(
    hostile: Hostile,
    path: str,
    pair_list: list[tuple[str, str]],
    raw: str | None,
    accept: str | None,
) -> None:
    send_pairs(hostile, path, pair_list, raw, accept)
