"""embedding.py: the JSON-LD every page embeds, written without pyld, is pyld's framed
document (the same JSON, the same bytes), and what it does not handle goes to pyld."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import pyoxigraph as ox
import pytest
from flask import Flask
from pyld.jsonld import JsonLdError
from test_compaction import generated_store, served_entities

from benchmarks.pyld_only import pages_by_pyld
from healthtech_lod import compaction, jsonld
from healthtech_lod.opening import get_store
from healthtech_lod.store import DatasetStore

BASE = "https://w3id.org/lu-healthtech/id/"
SCHEMA = "https://schema.org/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
LANGUAGES = ("en", "fr", "de")
__all__ = ["generated_store"]  # the fixture, shared with test_compaction.py

#: What ``jsonld.embedded`` is given for one page: statements, entity, schema.org
#: types by IRI and the page's languages (its own first).
Page = tuple[list[ox.Quad], str, dict[str, list[str]], list[str]]


def page_languages(first: str) -> list[str]:
    """negotiation.languages() on a page in ``first``."""
    return [first, *(lang for lang in LANGUAGES if lang != first)]


def pages(app: Flask, store: DatasetStore | None = None) -> Iterator[Page]:
    """What pages.embedded_data gives ``jsonld.embedded`` for every entity served, in
    every page language (``store`` instead of the app's own, if given)."""
    with app.test_request_context("/"):
        store = store or get_store()
        for iri in served_entities(store):
            node = ox.NamedNode(iri)
            quads = store.describe(node)
            own = [q for q in quads if q.subject == node]
            linked = {q.object for q in own if isinstance(q.object, ox.NamedNode)}
            linked -= {q.object for q in own if q.predicate.value == RDF + "type"}
            types = {n.value: store.schema_types(n) for n in (node, *linked)}
            for first in LANGUAGES:
                yield quads, iri, types, page_languages(first)


def written(page: Page) -> dict[str, Any]:
    """embedding.py's document; raises compaction.UnsupportedError where pyld frames it."""
    statements, iri, types, languages = page
    kept = jsonld.embedded_statements(statements, iri, types, languages)
    body = jsonld._embedder().frame(kept, iri, languages[0] if languages else None)
    context = {**jsonld.embedded_context(), **({"@language": languages[0]} if languages else {})}
    return {"@context": context, **body}


def check(page: Page, app: Flask | None = None) -> bool:
    """``jsonld.embedded`` gives pyld's framed document, to the byte: True when
    embedding.py wrote it, False when it went to pyld."""
    with pages_by_pyld():
        theirs = jsonld.embedded(*page)
    public = jsonld.embedded(*page)
    assert public == theirs, page[1]
    assert json.dumps(public) == json.dumps(theirs), "the same keys in the same order"
    assert jsonld.dumps(public) == jsonld.dumps(theirs)
    if app is not None:  # as entity.html's ``tojson`` writes it
        assert app.json.dumps(public) == app.json.dumps(theirs)
    try:
        ours = written(page)
    except compaction.UnsupportedError:
        return False
    assert json.dumps(ours) == json.dumps(theirs), page[1]
    return True


@pytest.fixture(scope="module")
def real_pages(real_app: Flask) -> list[Page]:
    return list(pages(real_app))


def test_every_page_of_the_data_embeds_what_pyld_frames(
    real_app: Flask, real_pages: list[Page]
) -> None:
    assert len(real_pages) > 600
    declined = [page[1] for page in real_pages if not check(page, real_app)]
    assert declined == [], "every page of the data is written by embedding.py"


def test_generated_pages_embed_what_pyld_frames(app: Flask, generated_store: DatasetStore) -> None:
    found = list(pages(app, generated_store))
    assert len(found) > 600
    declined = [page[1] for page in found if not check(page, app)]
    assert declined == [], "every generated page is written by embedding.py"


def test_every_page_of_the_fixtures_embeds_what_pyld_frames(app: Flask) -> None:
    found = list(pages(app))
    assert len(found) >= 24
    for page in found:
        check(page, app)


# Small cases: what is written, and each thing that goes to pyld.

E = BASE + "e"


def q(subject: str | ox.BlankNode, predicate: str, obj: Any) -> ox.Quad:
    node = ox.NamedNode(subject) if isinstance(subject, str) else subject
    return ox.Quad(node, ox.NamedNode(predicate), obj, ox.DefaultGraph())


def lit(value: str, language: str | None = None, datatype: str | None = None) -> ox.Literal:
    if language:
        return ox.Literal(value, language=language)
    return ox.Literal(value, datatype=ox.NamedNode(datatype) if datatype else None)


def entity_with_every_kind_of_value() -> list[ox.Quad]:
    place, other, value = ox.NamedNode(BASE + "place"), BASE + "other", ox.BlankNode("v")
    inner = ox.BlankNode("w")
    return [
        q(E, RDF + "type", ox.NamedNode("https://w3id.org/lu-healthtech/def#Company")),
        q(E, "http://www.w3.org/2000/01/rdf-schema#label", lit("E", "en")),
        q(E, "http://www.w3.org/2000/01/rdf-schema#label", lit("É", "fr")),
        q(E, SCHEMA + "description", lit("plain")),
        q(E, SCHEMA + "foundingDate", lit("2020-01-02", datatype=XSD + "date")),
        q(E, SCHEMA + "numberOfEmployees", lit("12", datatype=XSD + "integer")),
        q(E, SCHEMA + "url", ox.NamedNode("https://example.org/e")),
        q(E, SCHEMA + "url", lit("https://example.org/literal")),
        q(
            E,
            "http://www.w3.org/2002/07/owl#sameAs",
            ox.NamedNode("http://www.wikidata.org/entity/Q1"),
        ),
        q(E, SCHEMA + "location", place),
        q(E, SCHEMA + "location", ox.NamedNode(other)),
        q(E, "https://w3id.org/lu-healthtech/def#fundSize", value),
        q(E, BASE + "odd", ox.NamedNode(BASE + "source/x")),
        q(value, SCHEMA + "value", lit("3", datatype=XSD + "decimal")),
        q(value, SCHEMA + "unitText", lit("EUR")),
        q(value, SCHEMA + "valueReference", inner),
        q(inner, SCHEMA + "name", lit("inner", "de")),
        q(inner, SCHEMA + "about", ox.NamedNode(other)),
        q(place, "http://www.w3.org/2004/02/skos/core#prefLabel", lit("Lieu", "fr")),
        q(place, "http://www.w3.org/2004/02/skos/core#prefLabel", lit("Ort", "de")),
    ]


TYPES = {E: ["https://schema.org/Corporation"], BASE + "place": ["https://schema.org/Place"]}


@pytest.mark.parametrize("languages", [["en", "fr", "de"], ["fr", "en", "de"], ["de"], []])
def test_every_kind_of_value_is_written_as_pyld_frames_it(languages: list[str]) -> None:
    page: Page = (entity_with_every_kind_of_value(), E, TYPES, languages)
    assert check(page), "written by embedding.py"
    document = jsonld.embedded(*page)
    assert "lht:fundSize" in document
    assert document["location"][0]["@type"] == "Place"
    assert document["sameAs"] == "http://www.wikidata.org/entity/Q1"


def fallback(extra: Sequence[ox.Quad], types: dict[str, list[str]] | None = None) -> None:
    """The page of E with ``extra`` statements goes to pyld, in every language."""
    for languages in (["en", "fr", "de"], ["de", "en", "fr"], []):
        page: Page = ([*entity_with_every_kind_of_value(), *extra], E, types or TYPES, languages)
        assert not check(page), "framed by pyld"


def test_a_cycle_through_the_entity_goes_to_pyld() -> None:
    fallback([q(E, SCHEMA + "sameAs", ox.NamedNode(E))])
    back = ox.BlankNode("back")
    fallback([q(E, SCHEMA + "subjectOf", back), q(back, SCHEMA + "about", ox.NamedNode(E))])


def test_a_cycle_through_a_linked_node_goes_to_pyld() -> None:
    """A blank node that names a linked resource, which (embedded in the blank node)
    is typed with a blank node that refers back: pyld writes a reference there."""
    loop = ox.BlankNode("loop")
    fallback(
        [
            q(E, SCHEMA + "subjectOf", loop),
            q(loop, SCHEMA + "about", loop),
        ]
    )


def test_an_rdf_list_goes_to_pyld() -> None:
    first, rest = ox.BlankNode("l1"), ox.BlankNode("l2")
    fallback(
        [
            q(E, SCHEMA + "itemListElement", first),
            q(first, RDF + "first", lit("a")),
            q(first, RDF + "rest", rest),
            q(rest, RDF + "first", lit("b")),
            q(rest, RDF + "rest", ox.NamedNode(RDF + "nil")),
        ]
    )


def test_an_rdf_json_literal_goes_to_pyld() -> None:
    fallback(
        [q(E, SCHEMA + "additionalProperty", lit('{"b": 1, "a": [true]}', datatype=RDF + "JSON"))]
    )


def test_an_iri_that_reads_as_a_compact_iri_goes_to_pyld() -> None:
    """pyld refuses such an IRI ("Absolute IRI confused with prefix"), and the page
    with it fails as it did before."""
    for iri in ("schema:Thing", "lht:x"):
        page: Page = (
            [*entity_with_every_kind_of_value(), q(E, SCHEMA + "mentions", ox.NamedNode(iri))],
            E,
            TYPES,
            ["en", "fr", "de"],
        )
        with pytest.raises(compaction.UnsupportedError):
            written(page)
        with pages_by_pyld(), pytest.raises(JsonLdError, match="compact framed output"):
            jsonld.embedded(*page)
        with pytest.raises(JsonLdError, match="compact framed output"):
            jsonld.embedded(*page)


def test_a_blank_node_reached_twice_or_as_a_type_goes_to_pyld() -> None:
    shared = ox.BlankNode("shared")
    fallback(
        [
            q(E, SCHEMA + "subjectOf", shared),
            q(E, SCHEMA + "mentions", shared),
            q(shared, SCHEMA + "name", lit("shared")),
        ]
    )
    fallback([q(E, RDF + "type", ox.BlankNode("class"))])
    fallback([q(E, SCHEMA + "subjectOf", ox.BlankNode("bare"))])  # no statements of its own


def test_a_predicate_that_is_a_prefix_goes_to_pyld() -> None:
    fallback([q(E, SCHEMA, lit("odd", "en"))])


def test_an_entity_without_statements_goes_to_pyld() -> None:
    for languages in (["en"], []):
        assert not check(([], E, {}, languages))
        assert not check(([q(BASE + "else", SCHEMA + "name", lit("x"))], E, {}, languages))
