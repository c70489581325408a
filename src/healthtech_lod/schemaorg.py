"""The dataset in schema.org, for search engines: the ``Dataset`` that ``/`` and
``/dataset`` embed as ``<script type="application/ld+json">``.

Google's Dataset Search reads exactly that: name, description, license, creator,
distributions (``DataDownload`` with ``contentUrl`` and ``encodingFormat``),
temporal and spatial coverage. It is built with rdflib terms from the DCAT
description, the statistics and the downloads, then framed with pyld into one
nested node: nested objects and plain strings are what crawlers read best.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from flask import current_app, url_for
from pyld import jsonld
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from .downloads import get_manifest
from .namespaces import DCAT, DCTERMS, FOAF, RDF, SCHEMA
from .opening import get_store

#: Where the dataset is: Luxembourg, in GeoNames and in the EU's country table.
LUXEMBOURG = (
    URIRef("https://sws.geonames.org/2960313/"),
    URIRef("http://publications.europa.eu/resource/authority/country/LUX"),
)


def dataset_jsonld(
    description: Graph, years: tuple[int, int] | None, languages: Sequence[str]
) -> dict[str, Any]:
    """The schema.org ``Dataset`` of the DCAT ``description``: texts in the first of
    ``languages`` that has them (the page's language first), the temporal coverage
    the ``years`` that the observations cover."""
    graph = _dataset_graph(description, years, languages)
    context = _context(languages[0])
    expanded = json.loads(graph.serialize(format="json-ld", use_native_types=True))
    framed: dict[str, Any] = jsonld.frame(
        expanded,
        {"@context": context, "@type": "Dataset"},
        {"documentLoader": _refuse, "embed": "@always"},
    )
    framed["@context"] = context
    return framed


def _context(language: str) -> dict[str, Any]:
    """schema.org as the vocabulary; URLs, dates and booleans as plain JSON values."""
    xsd = "http://www.w3.org/2001/XMLSchema#"
    return {
        "@vocab": str(SCHEMA),
        "@language": language,
        **{term: {"@type": "@id"} for term in ("url", "contentUrl", "license", "sameAs")},
        **{
            term: {"@language": None}
            for term in ("encodingFormat", "temporalCoverage", "contentSize", "inLanguage")
        },
        "dateModified": {"@type": xsd + "date"},
        "isAccessibleForFree": {"@type": xsd + "boolean"},
    }


def _dataset_graph(
    description: Graph, years: tuple[int, int] | None, languages: Sequence[str]
) -> Graph:
    base = current_app.config["BASE_URI"]
    dataset = URIRef(base + "id/dataset")
    graph = Graph()
    add = graph.add
    add((dataset, RDF.type, SCHEMA.Dataset))
    for source, target in ((DCTERMS.title, SCHEMA.name), (DCTERMS.description, SCHEMA.description)):
        text = _pick(description.objects(dataset, source), languages)
        if text is not None:
            add((dataset, target, text))
    wanted = _pick(description.objects(dataset, DCAT.keyword), languages)
    for keyword in description.objects(dataset, DCAT.keyword):
        if wanted is not None and getattr(keyword, "language", None) == wanted.language:
            add((dataset, SCHEMA.keywords, keyword))
    add((dataset, SCHEMA.url, URIRef(url_for("description.dataset", _external=True))))
    add((dataset, SCHEMA.license, URIRef(current_app.config["LICENSE"])))
    add((dataset, SCHEMA.isAccessibleForFree, Literal(True)))
    add((dataset, SCHEMA.dateModified, Literal(get_store().version.modified.date())))
    for language in current_app.config["LANGUAGES"]:
        add((dataset, SCHEMA.inLanguage, Literal(language)))
    creator = _organization(graph, description, dataset, base, languages[0])
    add((dataset, SCHEMA.creator, creator))
    add((dataset, SCHEMA.publisher, creator))
    if years is not None:
        add((dataset, SCHEMA.temporalCoverage, Literal(f"{years[0]}/{years[1]}")))
    place = BNode()
    add((dataset, SCHEMA.spatialCoverage, place))
    add((place, RDF.type, SCHEMA.Place))
    add((place, SCHEMA.name, Literal("Luxembourg", lang=languages[0])))
    for iri in LUXEMBOURG:
        add((place, SCHEMA.sameAs, iri))
    for download in get_manifest().files:
        if not download.dump:
            continue
        node = BNode()
        add((dataset, SCHEMA.distribution, node))
        add((node, RDF.type, SCHEMA.DataDownload))
        add((node, SCHEMA.name, Literal(download.title, lang="en")))
        url = url_for("downloads.file", name=download.name, _external=True)
        add((node, SCHEMA.contentUrl, URIRef(url)))
        add((node, SCHEMA.encodingFormat, Literal(download.mimetype)))
        if download.gzip:
            add((node, SCHEMA.encodingFormat, Literal("application/gzip")))
        add((node, SCHEMA.contentSize, Literal(f"{download.size} B")))
    return graph


def _organization(
    graph: Graph, description: Graph, dataset: URIRef, base: str, language: str
) -> Node:
    """The publisher of the description as a schema.org Organization (its name is
    the same in every language: tagged with the page's, it reads as a plain string)."""
    publisher = description.value(dataset, DCTERMS.publisher)
    node = URIRef(str(publisher)) if publisher is not None else BNode()
    graph.add((node, RDF.type, SCHEMA.Organization))
    name = description.value(publisher, FOAF.name) if publisher is not None else None
    graph.add((node, SCHEMA.name, Literal(str(name or "healthtech-lod"), lang=language)))
    graph.add((node, SCHEMA.url, URIRef(base)))
    return node


def _pick(values: Any, languages: Sequence[str]) -> Literal | None:
    """The literal in the first of ``languages`` that has one, else any."""
    found = [v for v in values if isinstance(v, Literal)]
    for language in (*languages, None):
        for literal in found:
            if literal.language == language:
                return literal
    return found[0] if found else None


def _refuse(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld's document loader: the context is inline, nothing is ever fetched."""
    raise ValueError(f"no remote document is loaded: {url}")
