"""Pages for people: the language of labels and descriptions, the language switch.

The lead description of a page is in the page's language; the table of statements
keeps every value with its language tag."""

from __future__ import annotations

import html
import json
import re
import shutil
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pyoxigraph as ox
import pytest
from conftest import BROWSER, FIXTURES, MakeApp, check_html, jsonld_graph
from flask.testing import FlaskClient
from rdflib import Literal
from rdflib.namespace import XSD

from healthtech_lod.namespaces import ID, SCHEMA
from healthtech_lod.pages import pick

FRENCH = "Start-up qui entend l&#39;asthme dans la voix."
ENGLISH = "Start-up that hears &lt;b&gt;asthma&lt;/b&gt;"


@pytest.mark.parametrize(
    ("headers", "query", "lang", "present", "absent"),
    [
        ({}, {}, "en", ENGLISH, FRENCH),
        ({"Accept-Language": "fr-LU,fr;q=0.9,en;q=0.5"}, {}, "fr", FRENCH, ENGLISH),
        # VoiceMed has no German description: a German page falls back to English.
        ({"Accept-Language": "de, fr;q=0.5"}, {}, "de", ENGLISH, FRENCH),
        ({"Accept-Language": "de-LU"}, {}, "de", ENGLISH, FRENCH),
        ({}, {"lang": "de"}, "de", ENGLISH, FRENCH),
        # Luxembourgish is not offered: the next language asked for, else the default.
        ({"Accept-Language": "lb, fr;q=0.5"}, {}, "fr", FRENCH, ENGLISH),
        ({"Accept-Language": "lb"}, {}, "en", ENGLISH, FRENCH),
        ({"Accept-Language": "fr"}, {"lang": "en"}, "en", ENGLISH, FRENCH),
        ({}, {"lang": "fr"}, "fr", FRENCH, ENGLISH),
    ],
)
def test_page_language_follows_accept_language_and_the_switch(
    client: FlaskClient,
    headers: dict[str, str],
    query: dict[str, str],
    lang: str,
    present: str,
    absent: str,
) -> None:
    response = client.get(
        "/doc/voicemed", query_string=query, headers={"Accept": BROWSER, **headers}
    )
    assert response.status_code == 200
    check_html(response.text)
    assert f'<html lang="{lang}">' in response.text
    assert f'<p class="description">{present}' in response.text
    assert f'<p class="description">{absent}' not in response.text


def test_language_is_part_of_vary_and_etag(client: FlaskClient) -> None:
    en = client.get("/doc/voicemed", headers={"Accept": BROWSER})
    fr = client.get("/doc/voicemed", headers={"Accept": BROWSER, "Accept-Language": "fr"})
    assert "Accept-Language" in en.vary and "Accept" in en.vary
    assert en.headers["ETag"] != fr.headers["ETag"]
    turtle = client.get("/doc/voicemed", headers={"Accept": "text/turtle"})
    assert "Accept-Language" not in turtle.vary


@pytest.mark.parametrize("path", ["/", "/doc/voicemed", "/def", "/sparql", "/search?q=x"])
def test_every_page_switches_language(client: FlaskClient, path: str) -> None:
    page = client.get(path, headers={"Accept": BROWSER}).text
    assert 'hreflang="fr"' in page and '<strong lang="en">English</strong>' in page
    french = client.get(path, headers={"Accept": BROWSER, "Accept-Language": "fr"}).text
    assert 'hreflang="en"' in french and '<strong lang="fr">Français</strong>' in french
    assert 'hreflang="de"' in page and 'hreflang="de"' in french
    german = client.get(path, headers={"Accept": BROWSER, "Accept-Language": "de"}).text
    assert 'hreflang="en"' in german and 'hreflang="fr"' in german
    assert '<strong lang="de">Deutsch</strong>' in german


def test_switch_keeps_the_query_string(client: FlaskClient) -> None:
    page = client.get("/search?q=voice", headers={"Accept": BROWSER}).text
    links = [html.unescape(part.split('"')[1]) for part in page.split("href=")[1:]]
    assert any("q=voice" in link and "lang=fr" in link for link in links)


def test_labels_fall_back_to_the_other_language() -> None:
    english = ox.Literal("Wet lab", language="en")
    untagged = ox.Literal("wet-lab")
    assert pick([english], ["fr", "en"]) == english
    assert pick([untagged, english], ["fr", "en"]) == english
    assert pick([untagged], ["fr", "en"]) == untagged
    assert pick([], ["fr", "en"]) is None
    german = ox.Literal("Nasslabor", language="de")
    french = ox.Literal("Laboratoire humide", language="fr")
    assert pick([english, french, german], ["de", "en", "fr"]) == german
    assert pick([french, english], ["de", "en", "fr"]) == english
    assert pick([french], ["de", "en", "fr"]) == french


def test_german_labels_are_shown_when_the_data_has_them(client: FlaskClient) -> None:
    german = {"Accept": BROWSER, "Accept-Language": "de"}
    page = client.get("/doc/house-of-biohealth", headers=german).text
    assert ">Nasslabor</a>" in page and ">Wet lab</a>" not in page  # the contained place
    assert ">Einrichtung</a>" in page  # the class, from the vocabulary
    assert ">Anzahl der ansässigen Unternehmen</a>" in page  # a property
    assert "<h1>House of BioHealth</h1>" in page  # no German label: the English one
    concept = client.get("/doc/artificial-intelligence", headers=german).text
    assert "<h1>Künstliche Intelligenz</h1>" in concept
    assert '<p class="description">Systeme, die lernen.</p>' in concept


def test_the_vocabulary_page_in_german(client: FlaskClient) -> None:
    page = client.get("/def", headers={"Accept": BROWSER, "Accept-Language": "de"}).text
    assert '<html lang="de">' in page and "<h1>Test-Vokabular</h1>" in page
    company = page[page.index('<section id="Company">') :].split("</section>")[0]
    assert "<h3>Unternehmen" in company and "<p>Ein privates Unternehmen.</p>" in company
    assert '<span class="lang">@en</span> <strong>Company</strong>' in company
    assert '<span class="lang">@fr</span> <strong>Entreprise</strong>' in company
    # No German comment: the English one, the next of LANGUAGES.
    date = page[page.index('<section id="inaugurationDate">') :].split("</section>")[0]
    assert "<h3>Einweihungsdatum" in date and "<p>When a building was inaugurated.</p>" in date
    english = client.get("/def", headers={"Accept": BROWSER}).text
    company = english[english.index('<section id="Company">') :].split("</section>")[0]
    assert '<span class="lang">@de</span> <strong>Unternehmen</strong>' in company


def test_home_chart_links_every_point_to_its_source(real_client: FlaskClient) -> None:
    page = real_client.get("/", headers={"Accept": BROWSER}).text
    check_html(page)
    chart = page[page.index('<section id="growth">') :].split("</section>")[0]
    points = re.findall(r'<a href="([^"]+)" class="point( conflict)?"><circle', chart)
    # Only dated figures are drawn: 2 company counts (2018, 2020) and 2 employee counts
    # (2018, 2019). The 2026 article is undated, so its figures have no year to stand on.
    assert len(points) >= 4
    assert all(href.startswith("http://localhost/id/source/") for href, _ in points)
    for href, _ in points:  # every source linked exists
        assert real_client.get(href).status_code == 303
    assert "approximately" in chart


def test_home_chart_follows_the_page_language(real_client: FlaskClient) -> None:
    page = real_client.get("/?lang=fr", headers={"Accept": BROWSER}).text
    chart = page[page.index('<section id="growth">') :].split("</section>")[0]
    assert "Nombre d" in chart


def embedded_jsonld(page: str) -> dict[str, object]:
    start = page.index('<script type="application/ld+json">') + len(
        '<script type="application/ld+json">'
    )
    data: dict[str, object] = json.loads(page[start : page.index("</script>", start)])
    return data


def test_entity_page_embeds_schema_org_jsonld(client: FlaskClient) -> None:
    page = client.get("/doc/voicemed", headers={"Accept": BROWSER}).text
    data = embedded_jsonld(page)
    assert data["@id"] == "https://w3id.org/lu-healthtech/id/voicemed"
    assert data["@context"]["@vocab"] == "https://schema.org/"  # type: ignore[index]
    assert "Organization" in data["@type"]  # type: ignore[operator]
    assert "description" in data and "foundingDate" in data
    graph = jsonld_graph(client, json.dumps(data))
    assert (ID["voicemed"], SCHEMA.foundingDate, Literal("2020", datatype=XSD.gYear)) in graph


def test_embedded_jsonld_cannot_close_its_script(client: FlaskClient) -> None:
    page = client.get("/doc/voicemed", headers={"Accept": BROWSER}).text
    start = page.index('<script type="application/ld+json">')
    script = page[start : page.index("</script>", start)]
    assert "<b>" not in script and "\\u003cb\\u003e" in script
    assert "<b>asthma</b>" in json.dumps(embedded_jsonld(page), ensure_ascii=False)


def test_real_entity_is_typed_with_its_schema_org_superclass(real_client: FlaskClient) -> None:
    page = real_client.get("/doc/voicemed", headers={"Accept": BROWSER}).text
    assert "Corporation" in embedded_jsonld(page)["@type"]  # type: ignore[operator]


def sparql_count(client: FlaskClient, where: str) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"
    return int(
        client.get("/sparql", query_string={"query": query, "format": "csv"}).text.split()[1]
    )


def test_vocabulary_page_says_how_often_each_term_is_used(real_client: FlaskClient) -> None:
    page = real_client.get("/def", headers={"Accept": BROWSER}).text
    lht = "https://w3id.org/lu-healthtech/def#"
    companies = sparql_count(real_client, f"SELECT DISTINCT ?s {{ ?s a <{lht}Company> }}")
    technology = sparql_count(real_client, f"?s <{lht}technology> ?o")
    company = page[page.index('<section id="Company">') :]
    assert f"{companies} entities of this class" in company[: company.index("</section>")]
    term = page[page.index('<section id="technology">') :]
    assert f"Used in {technology} statements" in term[: term.index("</section>")]
    assert companies > 0 and technology > 0


@pytest.mark.parametrize(
    "path",
    [
        "/search?_method=PUT&q=x",
        "/search?_scheme=ftp",
        "/doc/voicemed?_external=0&_anchor=%22",
        "/doc/voicemed?slug=other",
        "/nope?_method=PUT",
    ],
)
def test_query_parameters_never_break_the_language_switch(client: FlaskClient, path: str) -> None:
    response = client.get(path, headers={"Accept": BROWSER})
    assert response.status_code in (200, 404)
    assert 'hreflang="fr"' in response.text


# --- RDF auto-discovery -----------------------------------------------------------------


class _HeadLinks(HTMLParser):
    """The ``<link rel="alternate">`` elements of a page's ``<head>``: (type, href)."""

    def __init__(self) -> None:
        super().__init__()
        self.in_head = False
        self.alternates: list[tuple[str | None, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "head":
            self.in_head = True
        elif tag == "link" and self.in_head and values.get("rel") == "alternate":
            self.alternates.append((values.get("type"), values.get("href")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.in_head = False


RDF_TYPES = {"text/turtle", "application/ld+json", "application/n-triples"}


@pytest.mark.parametrize(
    "path", ["/", "/dataset", "/def", "/doc/voicemed", "/doc/source/alpha", "/quality"]
)
def test_pages_announce_each_rdf_alternate_with_its_type(client: FlaskClient, path: str) -> None:
    page = client.get(path, headers={"Accept": BROWSER})
    assert page.mimetype == "text/html"
    head = _HeadLinks()
    head.feed(page.text)
    types = [media_type for media_type, _ in head.alternates]
    assert RDF_TYPES <= set(types), head.alternates
    assert len(types) == len(set(types)) and "text/html" not in types
    for media_type, href in head.alternates:
        assert href is not None and href.startswith("http://localhost/")
        response = client.get(href.removeprefix("http://localhost"))
        assert response.status_code == 200, href
        assert response.mimetype == media_type, href


# --- links only to http(s) IRIs --------------------------------------------------------

#: IRIs a page must never make links of: a click would run or open them.
UNLINKABLE = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(2)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(3)",
    "file:///etc/passwd",
]


@pytest.fixture(scope="module")
def odd_client(make_app: MakeApp, tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    """The fixture data plus an entity whose values, property, source and a subject
    pointing at it are IRIs of other schemes than http(s)."""
    root = tmp_path_factory.mktemp("odd-links") / "repo"
    shutil.copytree(FIXTURES, root)
    objects = " , ".join(f"<{iri}>" for iri in UNLINKABLE)
    (root / "data" / "odd.ttl").write_text(
        "@prefix : <https://w3id.org/lu-healthtech/id/> .\n"
        "@prefix lht: <https://w3id.org/lu-healthtech/def#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix schema: <https://schema.org/> .\n"
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        ":odd-links a lht:Company ; rdfs:label 'Odd links'@en ;\n"
        f"    schema:sameAs {objects} ;\n"
        "    <javascript:alert(4)> 'stated with a javascript: property' ;\n"
        "    dcterms:source <javascript:alert(5)> .\n"
        "<vbscript:msgbox(6)> schema:member :odd-links .\n",
        encoding="utf-8",
    )
    return make_app(DATA_ROOT=str(root)).test_client()


def links_only_to_the_web(page: str) -> None:
    """Every link of ``page`` is http(s) or relative to this host."""
    for link in check_html(page).hrefs:
        assert urlsplit(html.unescape(link)).scheme in ("", "http", "https"), link


def test_iris_of_other_schemes_are_text_not_links(odd_client: FlaskClient) -> None:
    page = odd_client.get("/doc/odd-links", headers={"Accept": BROWSER})
    assert page.status_code == 200
    links_only_to_the_web(page.text)
    for iri in [*UNLINKABLE, "javascript:alert(4)", "javascript:alert(5)", "vbscript:msgbox(6)"]:
        assert html.escape(iri) in page.text, f"{iri} is shown, as text"
    assert "stated with a javascript: property" in page.text


@pytest.mark.parametrize(
    "path",
    [
        "/reconcile/preview?id=" + quote("https://w3id.org/lu-healthtech/id/odd-links"),
        "/dataset",  # lists the sources: one is javascript:alert(5)
    ],
)
def test_no_other_page_links_to_them_either(odd_client: FlaskClient, path: str) -> None:
    page = odd_client.get(path, headers={"Accept": BROWSER})
    assert page.status_code == 200, path
    links_only_to_the_web(page.text)
