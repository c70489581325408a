"""The SPARQL tokenizer's checks (federation.py), called directly: the endpoints of
SERVICE clauses, FROM, and how deep brackets nest.

Oxigraph is the judge where it can be: whenever it would call an endpoint,
``service_endpoints`` must have seen the call.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthtech_lod.federation import (
    federation_refusal,
    has_dataset_clause,
    nesting_depth,
    nesting_refusal,
    service_endpoints,
)

EX = "https://example.org/"


def ex(name: str) -> ox.NamedNode:
    return ox.NamedNode(EX + name)


# --- SERVICE ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", []),
        (
            "SELECT * WHERE { SERVICE <http://a/> {} SERVICE SILENT <http://b/> {} }",
            [
                "http://a/",
                "http://b/",
            ],
        ),
        ("PREFIX e: <http://a/> SELECT * { SERVICE e:x\\.y {} }", ["http://a/x.y"]),
        ("PREFIX e: <http://a/> SELECT * { SERVICE f:x {} }", [None]),
        ("BASE <http://a/b/> SELECT * { SERVICE <../c> {} }", ["http://a/c"]),
        ("SELECT * { SERVICE <http://a/\\u0062> {} }", ["http://a/b"]),
        ("SELECT * { SERVICE $e {} }", [None]),
        ("SELECT * { SERVICEex:e {} }", [None]),
        ("SELECT * { ?s ?p <http://a/it's> } # service", [None]),
        ("SELECT * { ?s ?p 'service' ; <http://a/service> ?service }", []),
        ("SELECT * { ?s ?p ?o } # SERVICE <http://a/> {}\n", []),
        ("SELECT * { ?s ?p ?o } # \r SERVICE <http://a/> {}\n", ["http://a/"]),
    ],
)
def test_service_endpoints(query: str, expected: list[str | None]) -> None:
    assert service_endpoints(query) == expected


# Oxigraph is the judge: a query with one SERVICE clause, to an IRI it cannot call (so
# the call fails at once, without a connection), between pieces that mention SERVICE
# without calling it or make tokenizing hard. Whenever Oxigraph makes the call,
# service_endpoints must have seen it.
CALLS = ["SERVICE <urn:x> { }", "service<urn:x>{}", "?s ?p trueSERVICE <urn:x> { }"]
PIECES = [
    "?s ?p ?o .",
    'FILTER(?o != "SERVICE <urn:x> { }")',
    "FILTER(?o != 'x # SERVICE <urn:x> { }')",
    "FILTER(?o != '''a'' SERVICE <urn:x> {} ''')",
    'FILTER(?o != "\\"SERVICE <urn:x> { }")',
    "FILTER(true || ?o<'x>')",
    "FILTER(?o != <http://x/it's>)",
    "FILTER(?o != ex:a\\'b)",
    "# SERVICE <urn:x> { }",
    "# comment",
    "OPTIONAL { ?s ex:service ?service }",
    "FILTER(?o != 'x'@service)",
    "'",
    '"',
]
SEPARATORS = ["", " ", "\n", "\r"]
PART = st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(SEPARATORS)), max_size=4)


@settings(max_examples=300, deadline=None)
@given(PART, st.sampled_from(CALLS), st.sampled_from(SEPARATORS), PART)
def test_no_service_call_escapes_detection(
    before: list[tuple[str, str]], call: str, separator: str, after: list[tuple[str, str]]
) -> None:
    body = "".join(piece + sep for piece, sep in [*before, (call, separator), *after])
    query = f"PREFIX ex: <{EX}>\nSELECT * WHERE {{ ?s ?p ?o .\n{body}\n}}"
    store = ox.Store()
    store.add(ox.Quad(ex("s"), ex("p"), ox.Literal("o")))
    store.add(ox.Quad(ex("s"), ex("p"), ox.Literal(True)))
    try:
        results = store.query(query)
        assert isinstance(results, ox.QuerySolutions)
        list(results)
    except SyntaxError:
        return
    except OSError as err:
        assert "scheme" in str(err)
        assert service_endpoints(query), query


def test_an_escape_past_the_last_code_point_is_no_crash() -> None:
    query = "PREFIX ex: <\\UFFFFFFFF>\nSELECT * WHERE { SERVICE ex:x { ?s ?p ?o } }"
    refusal = federation_refusal(query)
    assert refusal is not None and "disabled" in refusal


def test_federation_refusal_names_the_endpoints_allowed_and_called() -> None:
    query = "SELECT * { SERVICE <http://a/> {} }"
    assert federation_refusal(query, frozenset({"http://a/"})) is None
    refusal = federation_refusal(query, frozenset({"http://b/"}))
    assert refusal == "SERVICE may only call <http://b/>; the query calls <http://a/>."
    assert federation_refusal("SELECT * { ?s ?p 'SERVICE <http://a/> {}' }") is None


# --- FROM -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT * FROM <http://a/> WHERE { ?s ?p ?o }", True),
        ("SELECT * FROM NAMED <http://a/> WHERE { GRAPH ?g { ?s ?p ?o } }", True),
        ("select * from <http://a/> { }", True),
        ("SELECT * WHERE { ?s ?p ?o }", False),
        ("SELECT * WHERE { ?s ?p 'FROM <http://a/>' }", False),
        ("SELECT * WHERE { ?s ?p ?o } # FROM <http://a/>", False),
        ("PREFIX ex: <http://a/> SELECT ?from WHERE { ?s ex:from <http://from/> }", False),
    ],
)
def test_has_dataset_clause(query: str, expected: bool) -> None:
    assert has_dataset_clause(query) is expected


# --- Nesting depth ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "depth"),
    [
        ("ASK {}", 1),
        ("ASK { FILTER((1)) }", 3),
        ("SELECT * { ?s ?p [ ?q ( 1 2 ) ] }", 3),
        ('ASK { FILTER("((" != ")") }', 2),
        ("ASK { FILTER('''\n{{{\n''' != '') }", 2),
        ("ASK { ?s <http://example.org/a(b[c> ?o }", 1),
        ("ASK { ?s ?p ?o } # {{{{", 1),
        ("PREFIX ex: <http://example.org/>\nASK { ?s ex:a\\(( ?o ) }", 2),
        ("ASK { << <a> <b> <c> >> <p> ?o }", 2),
        ("ASK { ?s ?p <<( <a> <b> <c> )>> }", 3),
        (")))}}} ASK { }", 1),
    ],
)
def test_nesting_depth(query: str, depth: int) -> None:
    assert nesting_depth(query) == depth


CLOSING = {"(": ")", "{": "}", "[": "]"}
#: What hides brackets from the parser: strings, long strings, IRIs, comments, and
#: the escapes of a prefixed name.
NOISE = st.one_of(
    st.text("({[]})<># '", max_size=6).map(lambda t: f'"{t}"'),
    st.text('({[]})<>#\n" ', max_size=6).map(lambda t: f"'''{t}'''"),
    st.text("()[]#'/:ab", max_size=6).map(lambda t: f"<http://example.org/{t}>"),
    st.text("({[]})<>\"' ", max_size=6).map(lambda t: f"# {t}\n"),
    st.sampled_from(["ex:a\\(", "ex:b\\)", "?x", "1", ""]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("({["), NOISE, NOISE), max_size=30))
def test_only_brackets_outside_strings_iris_and_comments_count(
    levels: list[tuple[str, str, str]],
) -> None:
    opening = "".join(f"{bracket} {noise} " for bracket, noise, _ in levels)
    closing = "".join(f" {noise} {CLOSING[bracket]}" for bracket, _, noise in reversed(levels))
    assert nesting_depth(opening + closing) == len(levels)


def test_nesting_refusal_names_the_depth_and_the_limit() -> None:
    assert nesting_refusal("ASK { { { } } }", None) is None
    assert nesting_refusal("ASK { { { } } }", 3) is None
    refusal = nesting_refusal("ASK { { { } } }", 2)
    assert refusal is not None and refusal.startswith(
        "The query nests brackets 3 deep; the limit is 2"
    )
    assert nesting_refusal("ASK { FILTER('((((') }", 2) is None  # in a string: not counted
