"""The dataset description against DCAT-AP 3: the official SHACL shapes (mandatory and
recommended) and what a harvester reads from it."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import isomorphic, jsonld_graph
from flask import Flask
from flask.testing import FlaskClient
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD

from healthtech_lod import downloads
from healthtech_lod.dataset import REPO_ROOT, load_rdflib
from healthtech_lod.description import FILE_TYPE, FILE_TYPES, SPDX, VCARD
from healthtech_lod.namespaces import DCAT, DCTERMS, ID, LHT, VOID

SHAPES = Path(__file__).parent / "conformance" / "dcat-ap-3"
DATASET = ID["dataset"]
IANA = "http://www.iana.org/assignments/media-types/"
LUX = URIRef("http://publications.europa.eu/resource/authority/country/LUX")

#: Recommended properties the description leaves out on purpose, as (focus node,
#: property); each is explained in docs/http.md under "DCAT-AP". None today.
ALLOWED_WARNINGS: frozenset[tuple[str, str]] = frozenset()


@pytest.fixture(scope="module")
def description(real_app: Flask) -> Graph:
    response = real_app.test_client().get("/dataset.ttl")
    assert response.mimetype == "text/turtle"
    return Graph().parse(data=response.data, format="turtle")


def shacl_results(data: Graph, shapes_file: str) -> list[tuple[str, str, str, str]]:
    """(severity, focus node, path, message) of each result of validating ``data``."""
    shapes = Graph().parse(SHAPES / shapes_file, format="turtle")
    _, report, _ = validate(data, shacl_graph=shapes)
    return sorted(
        (
            str(report.value(result, SH.resultSeverity)),
            str(report.value(result, SH.focusNode)),
            str(report.value(result, SH.resultPath)),
            str(report.value(result, SH.resultMessage)),
        )
        for result in report.objects(None, SH.result)
    )


def test_the_description_meets_the_mandatory_shapes(description: Graph) -> None:
    results = shacl_results(description, "shapes.ttl")
    assert results == [], "\n".join(map(str, results))


@pytest.mark.parametrize(
    ("path", "rdf_format"),
    [
        ("/dataset.jsonld", "json-ld"),
        ("/dataset.nt", "nt"),
        ("/dataset.rdf", "xml"),
        ("/.well-known/void", "turtle"),
    ],
)
def test_every_format_says_what_the_turtle_says(
    real_client: FlaskClient, description: Graph, path: str, rdf_format: str
) -> None:
    """Each format holds the graph of /dataset.ttl, so each meets the shapes that
    graph meets (validated once, above)."""
    body = real_client.get(path).data
    if rdf_format == "json-ld":
        graph = jsonld_graph(real_client, body)
    else:
        graph = Graph().parse(data=body, format=rdf_format)
    assert isomorphic(graph, description), f"{path} says the same as /dataset.ttl"


def test_recommended_shapes_warn_only_about_what_is_left_out_on_purpose(
    description: Graph,
) -> None:
    results = shacl_results(description, "shapes_recommended.ttl")
    assert all(severity == str(SH.Warning) for severity, *_ in results)
    found = {(focus, path) for _, focus, path, _ in results}
    assert found <= ALLOWED_WARNINGS, "\n".join(map(str, results))
    assert len(results) <= 5


def test_allowed_warnings_are_explained() -> None:
    docs = (REPO_ROOT / "docs" / "http.md").read_text(encoding="utf-8")
    section = docs[docs.index("## DCAT-AP") :]
    for focus, path in ALLOWED_WARNINGS:
        assert path.rsplit("/", 1)[-1].rsplit("#", 1)[-1] in section, (focus, path)


def test_sparql_endpoint_is_a_distribution_through_its_data_service(
    description: Graph,
) -> None:
    endpoint = URIRef("http://localhost/sparql")
    assert description.value(DATASET, DCAT.accessService) is None, "not on the Dataset"
    distribution = description.value(None, DCAT.accessURL, endpoint)
    assert (DATASET, DCAT.distribution, distribution) in description
    service = description.value(distribution, DCAT.accessService)
    assert (service, RDF.type, DCAT.DataService) in description
    assert (service, DCAT.endpointURL, endpoint) in description
    assert (service, DCAT.servesDataset, DATASET) in description
    assert description.value(service, DCAT.endpointDescription) is not None
    publisher = description.value(service, DCTERMS.publisher)
    assert description.value(publisher, URIRef("http://xmlns.com/foaf/0.1/name")) is not None
    assert (distribution, DCTERMS.format, FILE_TYPE.SPARQLQRES) in description


def test_service_description_names_its_endpoint_description(real_client: FlaskClient) -> None:
    graph = Graph().parse(
        data=real_client.get("/sparql", headers={"Accept": "text/turtle"}).data, format="turtle"
    )
    service = graph.value(None, DCAT.endpointURL, URIRef("http://localhost/sparql"))
    described = graph.value(service, DCAT.endpointDescription)
    assert described == URIRef("http://localhost/sparql"), "the endpoint describes itself"
    publisher = graph.value(service, DCTERMS.publisher)
    assert graph.value(publisher, URIRef("http://xmlns.com/foaf/0.1/name")) is not None


def test_distributions_are_the_dumps_and_the_endpoint(real_app: Flask, description: Graph) -> None:
    manifest = real_app.extensions[downloads.EXTENSION]
    downloaded = {
        description.value(d, DCAT.downloadURL)
        for d in description.objects(DATASET, DCAT.distribution)
    }
    dumps = {f"http://localhost/download/{f.name}" for f in manifest.files if f.dump}
    assert {str(url) for url in downloaded if url is not None} == dumps
    assert None in downloaded, "the SPARQL endpoint has no download URL"
    assert len(set(description.objects(DATASET, DCAT.distribution))) == len(dumps) + 1
    for name in ("SHA256SUMS", "ontology.ttl", "shapes.ttl"):
        url = URIRef(f"http://localhost/download/{name}")
        assert (None, DCAT.downloadURL, url) not in description, name
    conforms = set(description.objects(DATASET, DCTERMS.conformsTo))
    assert {URIRef(str(LHT).rstrip("#")), URIRef("https://w3id.org/lu-healthtech/shapes")} <= (
        conforms
    )


def test_each_dump_states_its_format_and_checksum(
    real_client: FlaskClient, description: Graph
) -> None:
    """Download every distribution, check its checksum against SHA256SUMS, and parse it
    in the format its dcat:mediaType and dcterms:format name."""
    with real_client.get("/download/SHA256SUMS") as response:
        sums = {name: digest for digest, name in _lines(response.text)}
    for distribution in description.objects(DATASET, DCAT.distribution):
        url = description.value(distribution, DCAT.downloadURL)
        if url is None:
            continue
        name = str(url).rsplit("/", 1)[-1]
        checksum = description.value(distribution, SPDX.checksum)
        assert description.value(checksum, SPDX.checksumValue) == Literal(
            sums[name], datatype=XSD.hexBinary
        )
        media_type = str(description.value(distribution, DCAT.mediaType))
        assert media_type.startswith(IANA)
        media_type = media_type[len(IANA) :]
        assert description.value(distribution, DCTERMS.format) == FILE_TYPES[media_type]
        with real_client.get(f"/download/{name}") as response:
            body = response.data
        if description.value(distribution, DCAT.compressFormat) == URIRef(
            IANA + "application/gzip"
        ):
            body = gzip.decompress(body)
        rdf_format = ox.RdfFormat.from_media_type(media_type)
        assert len(list(ox.parse(body, format=rdf_format))) > 1000, name
        assert description.value(distribution, DCTERMS.description) is not None


def _lines(text: str) -> list[tuple[str, str]]:
    return [(line[:64], line[66:]) for line in text.splitlines()]


def test_contact_point_has_a_url(description: Graph) -> None:
    contact = description.value(DATASET, DCAT.contactPoint)
    assert (contact, RDF.type, VCARD.Kind) in description
    assert description.value(contact, VCARD.fn) is not None
    assert description.value(contact, VCARD.hasURL) == URIRef("https://w3id.org/lu-healthtech/")


def test_temporal_coverage_spans_the_observations_years(description: Graph) -> None:
    data = load_rdflib(REPO_ROOT)
    years = sorted({int(str(y)[:4]) for _, _, y, _ in data.quads((None, LHT.referenceYear, None))})
    period = description.value(DATASET, DCTERMS.temporal)
    assert (period, RDF.type, DCTERMS.PeriodOfTime) in description
    start = description.value(period, DCAT.startDate)
    end = description.value(period, DCAT.endDate)
    assert (start.datatype, end.datatype) == (XSD.date, XSD.date)
    assert (str(start), str(end)) == (f"{years[0]}-01-01", f"{years[-1]}-12-31")


def test_no_temporal_coverage_without_observations(
    client: FlaskClient, fixture_union: Graph
) -> None:
    assert not list(fixture_union.objects(None, LHT.referenceYear))
    graph = Graph().parse(data=client.get("/dataset.ttl").data, format="turtle")
    assert graph.value(DATASET, DCTERMS.temporal) is None
    assert (DATASET, RDF.type, VOID.Dataset) in graph


def test_spatial_coverage_is_luxembourg(description: Graph) -> None:
    spatial = set(description.objects(DATASET, DCTERMS.spatial))
    assert {LUX, URIRef("https://sws.geonames.org/2960313/")} <= spatial
