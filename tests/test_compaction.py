"""compaction.py: the compacted JSON-LD of every document, written without pyld, is
pyld's (the same JSON, the same bytes), and what it does not handle goes to pyld."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pyoxigraph as ox
import pytest
from conftest import isomorphic, jsonld_graphs
from flask import Flask
from pyld import jsonld as pyld
from rdflib import Graph

from benchmarks.generator import write_ecosystem
from healthtech_lod import compaction, jsonld
from healthtech_lod.dataset import REPO_ROOT, fill_default_graph
from healthtech_lod.negotiation import BY_KEY
from healthtech_lod.opening import get_store
from healthtech_lod.rdf import Statement, to_rdflib_term, triples
from healthtech_lod.responses import described
from healthtech_lod.store import DatasetStore, DatasetVersion

BASE = "https://w3id.org/lu-healthtech/id/"
CONTEXT_URL = "http://localhost/context.jsonld"
S = BASE + "s"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#: The slugs of the documents the service serves (as conftest.entity_pages reads them).
SLUG = re.compile(r"(?:source/)?[A-Za-z0-9][A-Za-z0-9_~-]*")

Document = tuple[str, list[ox.Triple]]


def pyld_compact(
    statements: Sequence[Statement], base: str, context_url: str | None, first: str | None
) -> dict[str, Any]:
    """``jsonld.compact`` as it was before compaction.py: every document through pyld."""
    local = {
        **jsonld.context_document()["@context"],
        "@base": jsonld.relative_base(statements, base),
    }
    compacted = jsonld._pyld_compact(statements, local, first)
    compacted["@context"] = local if context_url is None else [context_url, {"@base": base}]
    return compacted


def written(statements: Sequence[Statement], first: str | None, base: str = BASE) -> dict[str, Any]:
    """compaction.py's document; raises compaction.UnsupportedError where pyld must write it."""
    body = jsonld._compactor().compact(statements, jsonld.relative_base(statements, base), first)
    return {"@context": [CONTEXT_URL, {"@base": base}], **body}


def check(statements: Sequence[Statement], first: str | None = None, base: str = BASE) -> bool:
    """``jsonld.compact`` gives pyld's document, to the byte: True when compaction.py
    wrote it, False when it went to pyld."""
    theirs = pyld_compact(statements, base, CONTEXT_URL, first)
    public = jsonld.compact(statements, base, CONTEXT_URL, first)
    assert public == theirs
    assert jsonld.dumps(public) == jsonld.dumps(theirs), "the same keys in the same order"
    try:
        ours = written(statements, first, base)
    except compaction.UnsupportedError:
        return False
    assert ours == theirs
    assert jsonld.dumps(ours) == jsonld.dumps(theirs)
    return True


def assert_as_pyld(
    statements: Sequence[Statement], first: str | None = None, base: str = BASE
) -> dict[str, Any]:
    """compaction.py writes ``statements`` (no fallback), as pyld does, to the byte."""
    assert check(statements, first, base), "written by compaction.py"
    return written(statements, first, base)


def served_entities(store: DatasetStore) -> list[str]:
    """Every entity and source under id/ whose document the service serves."""
    subjects = {
        q.subject.value
        for q in store.store.quads_for_pattern(None, None, None)
        if isinstance(q.subject, ox.NamedNode)
    }
    found = []
    for iri in sorted(subjects):
        local = iri.removeprefix(BASE)
        if local != iri and local != "dataset" and SLUG.fullmatch(local):
            found.append(iri)
    return found


def documents(app: Flask, store: DatasetStore | None = None) -> Iterator[Document]:
    """(entity, the statements of its JSON-LD document) for every entity served, as
    resources.py gathers them (``store`` instead of the app's own, if given)."""
    with app.test_request_context("/"):
        store = store or get_store()
        for iri in served_entities(store):
            about = store.describe(ox.NamedNode(iri))
            page = iri.replace("/id/", "/doc/", 1)
            yield iri, triples(described(about, BY_KEY["jsonld"], page, iri))


@pytest.fixture(scope="module")
def real_documents(real_app: Flask) -> list[Document]:
    return list(documents(real_app))


@pytest.fixture(scope="session")
def generated_store(tmp_path_factory: pytest.TempPathFactory) -> DatasetStore:
    """20 generated organisations (``benchmarks.generator``), in a store in memory."""
    path = tmp_path_factory.mktemp("generated") / "generated.trig"
    write_ecosystem(path, 20)
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.TRIG)
    version = DatasetVersion("generated", datetime(2026, 1, 1, tzinfo=UTC))
    return DatasetStore(fill_default_graph(store), REPO_ROOT, version, ())


@pytest.fixture(scope="module")
def generated_documents(app: Flask, generated_store: DatasetStore) -> list[Document]:
    return list(documents(app, generated_store))


def test_every_document_of_the_data_is_written_as_pyld_writes_it(
    real_documents: list[Document],
) -> None:
    assert len(real_documents) > 200
    for iri, statements in real_documents:
        assert_as_pyld(statements, iri)


def test_every_document_of_the_fixtures_is_written_as_pyld_writes_it(app: Flask) -> None:
    """The fixtures hold an RDF list (tests/fixtures/data/alpha.ttl): the documents
    that hold its end go to pyld, which writes it as ``@list``."""
    found = list(documents(app))
    assert len(found) >= 8
    nil = ox.NamedNode(RDF + "nil")
    with_list = {iri for iri, statements in found if any(s.object == nil for s in statements)}
    assert with_list
    assert {iri for iri, statements in found if not check(statements, iri)} == with_list


def test_generated_documents_are_written_as_pyld_writes_them(
    generated_documents: list[Document],
) -> None:
    assert len(generated_documents) > 200
    for iri, statements in generated_documents:
        assert_as_pyld(statements, iri)


def test_a_served_document_is_the_same_bytes_as_before(real_app: Flask) -> None:
    client = real_app.test_client()
    with real_app.test_request_context("/"):
        store = get_store()
        for slug in ("voicemed", "house-of-biohealth", "healthtech-pioneers-2026"):
            iri = BASE + slug
            about = store.describe(ox.NamedNode(iri))
            page = iri.replace("/id/", "/doc/", 1)
            statements = triples(described(about, BY_KEY["jsonld"], page, iri))
            expected = jsonld.dumps(pyld_compact(statements, BASE, CONTEXT_URL, iri))
            assert client.get(f"/doc/{slug}.jsonld").data == expected


def as_graph(statements: Sequence[Statement]) -> Graph:
    graph = Graph()
    for s in statements:
        graph.add(
            (to_rdflib_term(s.subject), to_rdflib_term(s.predicate), to_rdflib_term(s.object))
        )
    return graph


def test_documents_expand_to_their_statements(
    real_documents: list[Document], generated_documents: list[Document]
) -> None:
    """Equal as RDF: each document, its context inline, read back by pyld, is the
    graph of its statements, and the graph pyld's own compaction reads back as."""
    sample = real_documents[::10] + generated_documents[::20]
    assert len(sample) > 30
    for iri, statements in sample:
        ours = jsonld.compact(statements, BASE, None, iri)
        theirs = pyld_compact(statements, BASE, None, iri)
        read = jsonld_graphs(ours)
        assert set(read) == {""}, "one default graph"
        assert isomorphic(read[""], as_graph(statements)), iri
        assert isomorphic(read[""], jsonld_graphs(theirs)[""]), iri


def t(subject: str | ox.BlankNode, predicate: str, obj: Any) -> ox.Triple:
    node = ox.NamedNode(subject) if isinstance(subject, str) else subject
    return ox.Triple(node, ox.NamedNode(predicate), obj)


def every_kind_of_value() -> list[ox.NamedNode | ox.BlankNode | ox.Literal]:
    return [
        ox.NamedNode(BASE + "o"),
        ox.NamedNode("https://w3id.org/lu-healthtech/def#Company"),
        ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso"),  # a term's IRI
        ox.NamedNode("https://schema.org/"),  # a prefix's IRI
        ox.BlankNode("b0"),
        ox.Literal("plain"),
        ox.Literal("tagged", language="en"),
        ox.Literal("Getaggt", language="de-LU"),
        ox.Literal("3", datatype=ox.NamedNode(XSD + "integer")),
        ox.Literal("2020", datatype=ox.NamedNode(XSD + "gYear")),
        ox.Literal("x", datatype=ox.NamedNode("https://w3id.org/lu-healthtech/def#code")),
        ox.Literal("y", datatype=ox.NamedNode("http://example.org/a_b")),
    ]


def context_iris() -> list[str]:
    """The IRI of every term of the context, and a few that no term has."""
    compactor = jsonld._compactor()
    iris = {term.iri for term in compactor.terms.values() if not term.iri.startswith("@")}
    return sorted(
        iris
        | {
            "https://w3id.org/lu-healthtech/def#foundedIn",  # a @vocab suffix
            "https://w3id.org/lu-healthtech/def#technologyX",
            "http://example.org/p",  # no term, no prefix
            RDF + "type",
        }
    )


@pytest.mark.parametrize("predicate", context_iris())
def test_every_term_with_every_kind_of_value(predicate: str) -> None:
    """Each value alone, then all of them together (arrays, language maps with
    several languages and ``@none``), under every term of the context."""
    values = every_kind_of_value()
    for value in values:
        assert_as_pyld([t(S, predicate, value)], S)
    assert_as_pyld([t(S, predicate, value) for value in values], S)
    together = [t(S, predicate, value) for value in reversed(values)]
    assert_as_pyld([*together, t(BASE + "a", predicate, values[0])], S)


def test_term_clashes_and_coercions_are_pyld_s() -> None:
    """A literal under a term coerced to @id, an IRI under a language map, the
    integer terms with their own datatype and another: each value where pyld puts it."""
    document = assert_as_pyld(
        [
            t(S, "https://w3id.org/lu-healthtech/def#technology", ox.Literal("AI")),
            t(S, "https://w3id.org/lu-healthtech/def#technology", ox.NamedNode(BASE + "ai")),
            t(S, "http://www.w3.org/2000/01/rdf-schema#label", ox.NamedNode(BASE + "x")),
            t(S, "http://www.w3.org/2000/01/rdf-schema#label", ox.Literal("L", language="EN")),
            t(
                S,
                "https://schema.org/position",
                ox.Literal("1", datatype=ox.NamedNode(XSD + "integer")),
            ),
            t(
                S,
                "https://schema.org/position",
                ox.Literal("1", datatype=ox.NamedNode(XSD + "int")),
            ),
        ],
        S,
    )
    assert document["technology"] == "ai" and document["lht:technology"] == "AI"
    assert document["label"] == {"en": "L"} and document["rdfs:label"] == {"id": "x"}
    assert document["position"] == "1"
    assert document["schema:position"] == {"type": "xsd:int", "@value": "1"}


def test_node_order_types_and_duplicates_are_pyld_s() -> None:
    b = ox.BlankNode("z")
    statements = [
        t(BASE + "b", RDF + "type", ox.NamedNode("https://schema.org/Organization")),
        t(BASE + "b", RDF + "type", ox.NamedNode("https://w3id.org/lu-healthtech/def#Company")),
        t(BASE + "b", RDF + "type", b),
        t(BASE + "a", RDF + "type", ox.NamedNode("https://w3id.org/lu-healthtech/def#")),
        t(BASE + "a", RDF + "type", ox.Literal("not a class")),
        t(BASE + "a", "https://w3id.org/lu-healthtech/def#x", ox.Literal("one")),
        t(BASE + "a", "https://w3id.org/lu-healthtech/def#x", ox.Literal("one")),
        t(BASE + "a", "http://www.w3.org/2000/01/rdf-schema#label", ox.Literal("a", language="en")),
        t(BASE + "a", "http://www.w3.org/2000/01/rdf-schema#label", ox.Literal("b", language="en")),
        t(b, "https://w3id.org/lu-healthtech/def#x", ox.Literal("blank")),
        t("http://example.org/elsewhere", "https://w3id.org/lu-healthtech/def#x", b),
    ]
    for first in (None, BASE + "b", BASE + "a", BASE + "nowhere"):
        assert_as_pyld(statements, first)
    assert_as_pyld(statements[:1], None)
    assert_as_pyld([], None)


def test_a_blank_node_cycle_is_written_without_pyld() -> None:
    """Compaction from RDF embeds no node: a cycle of blank nodes is only references."""
    a, b = ox.BlankNode("a"), ox.BlankNode("b")
    p = "https://w3id.org/lu-healthtech/def#next"
    assert_as_pyld([t(a, p, b), t(b, p, a), t(S, p, a), t(a, p, a)], S)


@pytest.mark.parametrize(
    "iri",
    [
        BASE + "x",
        BASE + "source/alpha",  # src:alpha, not a relative reference
        BASE + "a/b",
        BASE,
        BASE + "x?q=1",
        BASE + "x#f",
        BASE + "@x",
        "https://w3id.org/lu-healthtech/doc/x",
        "https://w3id.org/other",
        "https://w3id.org/lu-healthtech/def#",
        "http://w3id.org/lu-healthtech/id/x",
        "https://example.org/lu-healthtech/id/x",
        "urn:isbn:123",
        # Not relative-safe: the whole document's IRIs stay absolute.
        BASE + "x#",
        BASE + "x?",
        BASE + "a/../b",
        "https://w3id.org:443/lu-healthtech/id/a",
        # pyld's reference would not resolve back: written absolute (jsonld.relative_base)
        BASE + "/x",  # "x"
        "https://w3id.org/lu-healthtech/id#f",  # "#f"
        "https://w3id.org",  # "../../"
    ],
)
@pytest.mark.parametrize("base", [BASE, "http://localhost/id/", "https://w3id.org/"])
def test_iris_relative_to_the_base_are_pyld_s(iri: str, base: str) -> None:
    seen = "http://www.w3.org/2000/01/rdf-schema#seeAlso"
    statements = [
        t(iri, seen, ox.NamedNode(iri)),
        t(iri, "https://w3id.org/lu-healthtech/def#other", ox.NamedNode(iri)),
        t(base + "y", seen, ox.NamedNode(iri)),
    ]
    assert_as_pyld(statements, iri, base)


def test_other_contexts_are_compacted_as_pyld_does() -> None:
    """The features compaction.py implements, in combinations the published context
    does not hold: terms sharing an IRI (the shortest, then the least, wins), terms
    with their own @language or a null one, a datatype coercion to a class IRI."""
    published = jsonld.context_document()["@context"]
    extra: dict[str, Any] = {
        "name": {"@id": "rdfs:label", "@container": "@language"},
        "nameFr": {"@id": "rdfs:label", "@language": "fr"},
        "nameNone": {"@id": "rdfs:label", "@language": None},
        "labelEn": {"@id": "skos:prefLabel", "@language": "en"},
        "see": {"@id": "rdfs:seeAlso", "@type": "@id"},
        "yr": {"@id": "schema:foundingDate", "@type": "xsd:gYear"},
        "ex": "http://example.org/",
        "e": "http://example.org/",
    }
    predicates = [
        "http://www.w3.org/2000/01/rdf-schema#label",
        "http://www.w3.org/2004/02/skos/core#prefLabel",
        "http://www.w3.org/2000/01/rdf-schema#seeAlso",
        "https://schema.org/foundingDate",
        "http://example.org/p",
    ]
    values = [
        *every_kind_of_value(),
        ox.Literal("fr", language="fr"),
        ox.NamedNode("http://example.org/x"),
    ]
    for context in ({**published, **extra}, {**extra, **published}):
        compactor = compaction.Compactor(context)
        for predicate in predicates:
            for chosen in [*([v] for v in values), values]:
                statements = [t(S, predicate, v) for v in chosen]
                expanded = jsonld._expand(statements)
                theirs = pyld.compact(expanded, {**context, "@base": BASE}, {})
                del theirs["@context"]
                ours = compactor.compact(statements, BASE, S)
                assert json.dumps(ours) == json.dumps(theirs), (predicate, chosen)


def fallback(statements: Sequence[Statement], first: str | None = None, base: str = BASE) -> None:
    """compaction.py declines ``statements``; jsonld.compact gives pyld's document."""
    with pytest.raises(compaction.UnsupportedError):
        written(statements, first, base)
    theirs = pyld_compact(statements, base, CONTEXT_URL, first)
    ours = jsonld.compact(statements, base, CONTEXT_URL, first)
    assert jsonld.dumps(ours) == jsonld.dumps(theirs)


def test_a_named_graph_goes_to_pyld() -> None:
    graph = ox.NamedNode("https://w3id.org/lu-healthtech/graph/g")
    statements = [
        ox.Quad(ox.NamedNode(S), ox.NamedNode(RDF + "value"), ox.Literal("x"), graph),
        ox.Quad(ox.NamedNode(S), ox.NamedNode(RDF + "value"), ox.Literal("y")),
    ]
    fallback(statements, S)


def test_an_rdf_list_goes_to_pyld() -> None:
    first, rest = ox.BlankNode("l1"), ox.BlankNode("l2")
    statements = [
        t(S, "https://w3id.org/lu-healthtech/def#steps", first),
        t(first, RDF + "first", ox.Literal("one")),
        t(first, RDF + "rest", rest),
        t(rest, RDF + "first", ox.Literal("two")),
        t(rest, RDF + "rest", ox.NamedNode(RDF + "nil")),
    ]
    fallback(statements, S)
    assert jsonld.compact(statements, BASE)["steps"] == {"@list": ["one", "two"]}


def test_a_json_literal_goes_to_pyld() -> None:
    literal = ox.Literal('{"a": [1, 2]}', datatype=ox.NamedNode(RDF + "JSON"))
    fallback([t(S, "https://w3id.org/lu-healthtech/def#data", literal)], S)


def test_a_base_with_a_port_goes_to_pyld() -> None:
    base = "http://localhost:8080/id/"
    iri = "http://localhost/id/x"
    fallback([t(iri, RDF + "value", ox.NamedNode(iri))], iri, base)


@pytest.mark.parametrize(
    "iri",
    [
        BASE + "//x",  # pyld's reference: "/x"
        BASE + "a;b",  # pyld's reference: "a" (urlparse's parameters are left out)
    ],
)
def test_an_iri_whose_reference_would_be_lost_keeps_the_document_absolute(iri: str) -> None:
    statements = [t(S, "http://www.w3.org/2000/01/rdf-schema#seeAlso", ox.NamedNode(iri))]
    assert jsonld.relative_base(statements, BASE) is None
    document = assert_as_pyld(statements, S)
    assert (document["id"], document["seeAlso"]) == (S, iri)


def test_an_iri_read_as_a_compact_iri_goes_to_pyld_which_refuses_it() -> None:
    statements = [t(S, "http://www.w3.org/2000/01/rdf-schema#seeAlso", ox.NamedNode("lht:x"))]
    with pytest.raises(compaction.UnsupportedError):
        written(statements, S)
    with pytest.raises(pyld.JsonLdError):
        pyld_compact(statements, BASE, CONTEXT_URL, S)
    with pytest.raises(pyld.JsonLdError):
        jsonld.compact(statements, BASE, CONTEXT_URL, S)


def test_a_context_with_features_it_does_not_implement_is_refused() -> None:
    context = jsonld.context_document()["@context"]
    for extra in (
        {"@language": "en"},
        {"steps": {"@id": "lht:steps", "@container": "@list"}},
        {"parts": {"@id": "lht:parts", "@container": "@set"}},
        {"up": {"@reverse": "lht:down"}},
        {"kind": {"@id": "lht:kind", "@type": "@vocab"}},
        {"scoped": {"@id": "lht:scoped", "@context": {}}},
    ):
        with pytest.raises(ValueError):
            compaction.Compactor({**context, **extra})
    compaction.Compactor(context)  # the published context itself
