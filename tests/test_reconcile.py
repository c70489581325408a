"""The reconciliation service: every answer valid against the W3C Reconciliation API 0.2
schemas, matching measured on names written as people type them, bad input refused."""

from __future__ import annotations

import csv
import json
import shutil
from typing import Any

import pytest
from conftest import FIXTURES, MakeApp, check_html
from flask import Flask
from flask.testing import FlaskClient
from reconciliation import valid

from healthtech_lod.names import normalise, similarity

HERE = FIXTURES / "reconcile"
ID = "https://w3id.org/lu-healthtech/id/"
LHT = "https://w3id.org/lu-healthtech/def#"
SCHEMA = "https://schema.org/"


def ask(client: FlaskClient, queries: dict[str, Any], method: str = "post") -> dict[str, Any]:
    """A query batch (itself checked against the query schema) and its result batch."""
    valid("reconciliation-query-batch.json", queries)
    payload = {"queries": json.dumps(queries)}
    if method == "post":
        response = client.post("/reconcile", data=payload)
    else:
        response = client.get("/reconcile", query_string=payload)
    assert response.status_code == 200, response.text
    assert response.mimetype == "application/json"
    return valid("reconciliation-result-batch.json", response.get_json())


def best(client: FlaskClient, query: dict[str, Any]) -> dict[str, Any]:
    """The first candidate of one query."""
    result = ask(client, {"q": query})["q"]["result"]
    assert result, f"no candidate for {query}"
    return result[0]


def extend(client: FlaskClient, query: dict[str, Any]) -> dict[str, Any]:
    valid("data-extension-query.json", query)
    response = client.post("/reconcile", data={"extend": json.dumps(query)})
    assert response.status_code == 200, response.text
    return valid("data-extension-response.json", response.get_json())


# --- the manifest ----------------------------------------------------------------------


def test_manifest_describes_the_service(real_client: FlaskClient) -> None:
    response = real_client.get("/reconcile")
    manifest = valid("manifest.json", response.get_json())
    assert manifest["versions"] == ["0.2"]
    assert manifest["identifierSpace"] == ID
    assert manifest["schemaSpace"] == LHT
    assert {"id": LHT + "Company", "name": "Company"} in manifest["defaultTypes"]
    assert all(t["id"].startswith(LHT) for t in manifest["defaultTypes"])
    assert manifest["batchSize"] == 100
    for kind in ("entity", "type", "property"):
        service = manifest["suggest"][kind]
        assert service["service_url"] + service["service_path"] == (
            f"http://localhost/reconcile/suggest/{kind}"
        )
    sources = manifest["extend"]["property_settings"][0]["choices"]
    assert {
        "value": ID + "source/pioneers-2026",
        "name": ("16 HealthTech and digital-health pioneers in Luxembourg in 2026"),
    } in sources


def test_manifest_templates_lead_to_the_entity(real_client: FlaskClient) -> None:
    manifest = real_client.get("/reconcile").get_json()
    iri = ID + "voicemed"
    view = real_client.get(manifest["view"]["url"].replace("{{id}}", iri))
    assert view.status_code == 303
    assert view.headers["Location"] == "http://localhost/id/voicemed"
    preview = real_client.get(manifest["preview"]["url"].replace("{{id}}", iri))
    assert preview.status_code == 200 and "VoiceMed" in preview.text


def test_batch_size_follows_the_setting(make_app: MakeApp) -> None:
    client = make_app(RECONCILE_MAX_QUERIES=2).test_client()
    assert client.get("/reconcile").get_json()["batchSize"] == 2
    three = {f"q{i}": {"query": "VoiceMed"} for i in range(3)}
    response = client.post("/reconcile", data={"queries": json.dumps(three)})
    assert response.status_code == 413
    assert "3 queries" in response.json["error"]["detail"]
    assert "at most 2" in response.json["error"]["detail"]


# --- matching as people type ---------------------------------------------------------------


def test_matching_quality_on_names_as_people_type_them(real_client: FlaskClient) -> None:
    """Precision of match:true and recall in the first three, on the names of
    tests/fixtures/reconcile/names.csv (the figures go to docs/reconcile.md)."""
    rows = list(csv.DictReader((HERE / "names.csv").read_text(encoding="utf-8").splitlines()))
    assert len(rows) >= 60
    assert sum(1 for r in rows if not r["expected"]) >= 15, "names that must not match"
    batch = {f"q{i}": {"query": r["query"], "limit": 3} for i, r in enumerate(rows)}
    results: dict[str, Any] = {}
    for start in range(0, len(rows), 50):
        keys = list(batch)[start : start + 50]
        results.update(ask(real_client, {k: batch[k] for k in keys}))
    matched = right = expected = found = 0
    wrong = []
    for i, row in enumerate(rows):
        candidates = results[f"q{i}"]["result"]
        iri = ID + row["expected"] if row["expected"] else None
        chosen = [c["id"] for c in candidates if c.get("match")]
        if chosen:
            matched += 1
            right += chosen[0] == iri
            if chosen[0] != iri:
                wrong.append(f"{row['query']!r} matched {chosen[0]}")
        if iri:
            expected += 1
            found += iri in [c["id"] for c in candidates[:3]]
    precision, recall = right / matched, found / expected
    print(
        f"\nreconciliation on {len(rows)} names ({expected} in the data, "
        f"{len(rows) - expected} not): precision at match:true {precision:.3f} "
        f"({right}/{matched}), recall in the top 3 {recall:.3f} ({found}/{expected}), "
        f"matched automatically {matched}/{expected}"
    )
    assert precision >= 0.95, wrong
    assert recall >= 0.9


@pytest.mark.parametrize(
    ("typed", "name", "closer_than"),
    [
        ("VoiceMed S.A.", "VoiceMed", "Speech recognition"),
        ("Dynaccurate S.à r.l.", "Dynaccurate", "Founding of Dynaccurate (May 2021)"),
        ("Akknatek GmbH & Co. KG", "AkknaTek", "Lens Reviewer"),
        ("HEAL", "HE:AL", "Health"),
        ("L.N.D.S.", "Luxembourg National Data Service", "NTT DATA"),
        ("Luxembourg Institut of Helth", "Luxembourg Institute of Health", "Luxembourg"),
    ],
)
def test_similarity_ranks_the_meant_name_first(typed: str, name: str, closer_than: str) -> None:
    asked = normalise(typed)
    assert similarity(asked, normalise(name)) > similarity(asked, normalise(closer_than))


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("Dynaccurate S.à r.l.", ("dynaccurate",)),
        ("Akknatek GmbH & Co. KG", ("akknatek",)),
        ("NTT Ltd.", ("ntt",)),
        ("Fondation a.s.b.l.", ("fondation",)),
        ("HE:AL Campus", ("heal", "campus")),
        ("Fit4Start", ("fit", "4", "start")),
        ("SA", ("sa",)),
    ],
)
def test_normal_form(name: str, words: tuple[str, ...]) -> None:
    assert normalise(name).words == words


def test_an_iri_as_query_finds_its_entity(real_client: FlaskClient) -> None:
    found = best(real_client, {"query": ID + "nium"})
    assert found["id"] == ID + "nium" and found["match"] is True


def test_get_and_post_answer_alike(real_client: FlaskClient) -> None:
    queries = {"a": {"query": "LIH"}, "b": {"query": "House of Biohealth", "limit": 2}}
    assert ask(real_client, queries, "get") == ask(real_client, queries, "post")
    assert len(ask(real_client, queries)["b"]["result"]) <= 2


def test_a_candidate_has_name_type_description_and_features(real_client: FlaskClient) -> None:
    found = best(real_client, {"query": "Luxembourg Institute of Health"})
    assert found["id"] == ID + "luxembourg-institute-of-health"
    assert found["name"] == "Luxembourg Institute of Health"
    assert found["type"] == [{"id": LHT + "ResearchInstitute", "name": "Research institute"}]
    assert found["description"].startswith("Luxembourg's main public biomedical research")
    assert len(found["description"]) <= 160
    assert (found["score"], found["match"]) == (100, True)
    assert {"id": "name", "value": 1.0} in found["features"]


def test_names_in_french_are_matched_and_labels_follow_the_language(
    real_client: FlaskClient,
) -> None:
    response = real_client.post(
        "/reconcile",
        data={"queries": json.dumps({"q": {"query": "Universite du Luxembourg"}})},
        headers={"Accept-Language": "fr"},
    )
    found = response.get_json()["q"]["result"][0]
    assert (found["id"], found["name"]) == (
        ID + "university-of-luxembourg",
        "Université du Luxembourg",
    )


# --- types and properties ------------------------------------------------------------------


def test_a_type_narrows_the_candidates(real_client: FlaskClient) -> None:
    companies = ask(real_client, {"q": {"query": "Luxembourg", "type": LHT + "Company"}})
    assert {c["id"] for c in companies["q"]["result"]} <= {ID + "ntt-data-luxembourg"}
    for candidate in companies["q"]["result"]:
        assert candidate["type"][0]["id"] == LHT + "Company"


def test_a_type_takes_its_subclasses(real_client: FlaskClient) -> None:
    device = best(real_client, {"query": "AsthmaClimb", "type": "lht:Product"})
    assert device["id"] == ID + "asthmaclimb"
    assert device["type"] == [{"id": LHT + "MedicalDevice", "name": "Medical device"}]
    none = ask(real_client, {"q": {"query": "AsthmaClimb", "type": "lht:Company"}})
    assert ID + "asthmaclimb" not in [c["id"] for c in none["q"]["result"]]


def test_a_type_settles_a_near_namesake(real_client: FlaskClient) -> None:
    typed = "Luxembourg Center for Systems Biomedicine"
    alone = best(real_client, {"query": typed})
    assert alone["id"] == ID + "luxembourg-centre-for-systems-biomedicine"
    assert alone["match"] is False, "the concept Systems biomedicine comes close"
    narrowed = best(real_client, {"query": typed, "type": LHT + "ResearchInstitute"})
    assert narrowed["id"] == alone["id"] and narrowed["match"] is True


def test_a_founding_year_raises_or_lowers_the_score(real_client: FlaskClient) -> None:
    def scored(year: Any) -> dict[str, Any]:
        prop = {"pid": SCHEMA + "foundingDate", "v": year}
        return best(real_client, {"query": "Dynacurate", "properties": [prop]})

    plain = best(real_client, {"query": "Dynacurate"})
    agreeing, contradicting = scored("2021"), scored(1999)
    assert agreeing["id"] == contradicting["id"] == ID + "dynaccurate"
    assert agreeing["score"] > plain["score"] > contradicting["score"]
    assert (agreeing["match"], contradicting["match"]) == (True, False)
    feature = "property:" + SCHEMA + "foundingDate"
    assert {"id": feature, "value": -1} in contradicting["features"]
    assert scored(2021.0)["score"] == agreeing["score"], "a number does as well as text"


def test_a_town_agrees_with_a_district_in_it(real_client: FlaskClient) -> None:
    def verdict(town: Any) -> int:
        prop = {"pid": "schema:location", "v": town}
        found = best(real_client, {"query": "NIUM", "properties": [prop]})
        return next(f["value"] for f in found["features"] if f["id"].endswith("location"))

    assert verdict("Esch-sur-Alzette") == 1, "NIUM is in Belval, a district of Esch"
    assert verdict("Esch/Alzette") == 1
    assert verdict({"id": ID + "luxembourg"}) == 1
    assert verdict("Kaiserslautern") == -1


def test_a_technology_agrees_with_a_narrower_one(real_client: FlaskClient) -> None:
    prop = {"pid": "lht:technology", "v": "artificial intelligence"}
    found = best(real_client, {"query": "Myelin-H", "properties": [prop]})
    assert {"id": "property:" + LHT + "technology", "value": 1} in found["features"]


def test_properties_alone_find_entities(real_client: FlaskClient) -> None:
    prop = {"pid": SCHEMA + "foundingDate", "v": 2017}
    result = ask(real_client, {"q": {"properties": [prop], "limit": 10}})["q"]["result"]
    assert ID + "akknatek" in [c["id"] for c in result]
    assert all(c["match"] is False for c in result)


# --- suggest --------------------------------------------------------------------------------


def test_suggest_entity_as_you_type(real_client: FlaskClient) -> None:
    response = real_client.get("/reconcile/suggest/entity", query_string={"prefix": "voicem"})
    result = valid("suggest-entities-response.json", response.get_json())["result"]
    assert result[0]["id"] == ID + "voicemed" and result[0]["name"] == "VoiceMed"
    assert {"id": LHT + "Company", "name": "Company"} in result[0]["notable"]
    assert all(item["id"].startswith(ID) for item in result)


def test_suggest_entity_pages_with_the_cursor(real_client: FlaskClient) -> None:
    def page(cursor: int) -> list[str]:
        response = real_client.get(
            "/reconcile/suggest/entity", query_string={"prefix": "lux", "cursor": cursor}
        )
        result = valid("suggest-entities-response.json", response.get_json())["result"]
        return [item["id"] for item in result]

    first, second = page(0), page(10)
    assert len(first) == 10 and second and not set(first) & set(second)


def test_suggest_entity_knows_acronyms_and_identifiers(real_client: FlaskClient) -> None:
    for prefix in ("LNDS", ID + "luxembourg-national-data-service"):
        response = real_client.get("/reconcile/suggest/entity", query_string={"prefix": prefix})
        result = valid("suggest-entities-response.json", response.get_json())["result"]
        assert result[0]["id"] == ID + "luxembourg-national-data-service"


def test_suggest_type(real_client: FlaskClient) -> None:
    response = real_client.get("/reconcile/suggest/type", query_string={"prefix": "hosp"})
    result = valid("suggest-types-response.json", response.get_json())["result"]
    assert result[0]["id"] == LHT + "Hospital"
    assert {"id": SCHEMA + "Hospital", "name": "Hospital"} in result[0]["broader"]  # reused-terms
    french = real_client.get("/reconcile/suggest/type", query_string={"prefix": "entrep"})
    assert LHT + "Company" in [t["id"] for t in french.get_json()["result"]]


def test_suggest_property(real_client: FlaskClient) -> None:
    response = real_client.get("/reconcile/suggest/property", query_string={"prefix": "found"})
    result = valid("suggest-properties-response.json", response.get_json())["result"]
    assert [p["id"] for p in result] == [SCHEMA + "foundingDate", SCHEMA + "foundingLocation"]
    assert result[0]["name"] == "founding year"


# --- data extension ------------------------------------------------------------------------------


def test_property_proposals_fit_the_type(real_client: FlaskClient) -> None:
    response = real_client.get("/reconcile/properties", query_string={"type": "lht:Company"})
    proposal = valid("data-extension-property-proposal.json", response.get_json())
    ids = [p["id"] for p in proposal["properties"]]
    assert SCHEMA + "foundingDate" in ids and LHT + "technology" in ids
    concepts = real_client.get(
        "/reconcile/properties",
        query_string={"type": "http://www.w3.org/2004/02/skos/core#Concept", "limit": 3},
    ).get_json()
    valid("data-extension-property-proposal.json", concepts)
    assert SCHEMA + "foundingDate" not in [p["id"] for p in concepts["properties"]]
    assert concepts["limit"] == 3 and len(concepts["properties"]) <= 3


def test_extension_fetches_facts_of_the_entities(real_client: FlaskClient) -> None:
    ids = [ID + "dynaccurate", ID + "luxembourg-institute-of-health", ID + "nowhere"]
    wanted = [
        "schema:foundingDate",
        "rdf:type",
        "schema:location",
        "lht:technology",
        "dcterms:source",
    ]
    answer = extend(real_client, {"ids": ids, "properties": [{"id": p} for p in wanted]})
    assert [m["id"] for m in answer["meta"]] == wanted
    assert answer["meta"][0]["name"] == "founding year"
    dyn = answer["rows"][ID + "dynaccurate"]
    assert dyn["schema:foundingDate"] == [{"int": 2021}]
    assert dyn["rdf:type"] == [{"str": "Company"}]
    assert dyn["schema:location"] == [{"id": ID + "belval", "name": "Belval"}]
    assert {"id": ID + "blockchain", "name": "Blockchain"} in dyn["lht:technology"]
    lih = answer["rows"][ID + "luxembourg-institute-of-health"]
    assert lih["schema:foundingDate"] == []
    assert len(lih["dcterms:source"]) == 2
    assert answer["rows"][ID + "nowhere"] == {p: [] for p in wanted}


def test_extension_values_from_one_source(real_client: FlaskClient) -> None:
    def other_names(source: str) -> list[dict[str, Any]]:
        column = {"id": SCHEMA + "alternateName", "settings": {"source": source}}
        answer = extend(
            real_client, {"ids": [ID + "university-of-luxembourg"], "properties": [column]}
        )
        return answer["rows"][ID + "university-of-luxembourg"][SCHEMA + "alternateName"]

    assert other_names("") == [{"str": "UniLU"}]
    assert other_names(ID + "source/ministry-economy-health-technologies") == [{"str": "UniLU"}]
    assert other_names(ID + "source/pioneers-2026") == [], "the article gives no other name"


# --- preview and view ---------------------------------------------------------------------------


def test_preview_is_a_small_card_other_sites_may_frame(real_client: FlaskClient) -> None:
    response = real_client.get("/reconcile/preview", query_string={"id": ID + "voicemed"})
    assert response.mimetype == "text/html"
    check_html(response.text)
    assert '<a href="http://localhost/id/voicemed"' in response.text
    assert "Kind: Company" in response.text
    assert "Start-up created in 2020" in response.text
    assert "16 HealthTech and digital-health pioneers in Luxembourg in 2026" in response.text
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in response.headers


@pytest.fixture(scope="module")
def hostile_client(make_app: MakeApp, tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    """The service over the fixture data plus a company named with markup."""
    root = tmp_path_factory.mktemp("reconcile-hostile") / "repo"
    shutil.copytree(FIXTURES, root, ignore=shutil.ignore_patterns("reconcile"))
    (root / "data" / "hostile.ttl").write_text(
        "@prefix : <https://w3id.org/lu-healthtech/id/> .\n"
        "@prefix lht: <https://w3id.org/lu-healthtech/def#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix schema: <https://schema.org/> .\n"
        ':hostile a lht:Company ; rdfs:label "<script>alert(1)</script> Evil"@en ;\n'
        '    schema:description "<img src=x onerror=alert(2)>"@en .\n',
        encoding="utf-8",
    )
    app: Flask = make_app(DATA_ROOT=str(root))
    return app.test_client()


def test_preview_shows_markup_as_text(hostile_client: FlaskClient) -> None:
    response = hostile_client.get("/reconcile/preview", query_string={"id": ID + "hostile"})
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.text and "<img src=x" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Evil" in response.text
    found = best(hostile_client, {"query": "<script>alert(1)</script> evil"})
    assert found["name"] == "<script>alert(1)</script> Evil", "JSON carries the name as it is"


def test_preview_and_view_refuse_unknown_entities(real_client: FlaskClient) -> None:
    for path in ("/reconcile/preview", "/reconcile/view"):
        assert real_client.get(path).status_code == 400
        for unknown in (ID + "nowhere", "https://example.org/x", "not an iri"):
            assert real_client.get(path, query_string={"id": unknown}).status_code == 404


# --- CORS and bad input -------------------------------------------------------------------------

ROUTES = [
    "/reconcile",
    "/reconcile?queries=%7B%22q%22%3A%7B%22query%22%3A%22LIH%22%7D%7D",
    "/reconcile/suggest/entity?prefix=lih",
    "/reconcile/suggest/type?prefix=c",
    "/reconcile/suggest/property?prefix=l",
    "/reconcile/properties?type=lht:Company",
    "/reconcile/preview?id=https://w3id.org/lu-healthtech/id/voicemed",
    "/reconcile/view?id=https://w3id.org/lu-healthtech/id/voicemed",
    "/reconcile?queries=nope",
]


@pytest.mark.parametrize("path", ROUTES)
def test_cors_on_every_reconcile_response(real_client: FlaskClient, path: str) -> None:
    assert real_client.get(path).headers["Access-Control-Allow-Origin"] == "*"
    preflight = real_client.options(
        path.split("?")[0],
        headers={
            "Origin": "http://127.0.0.1:3333",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]


def _queries(batch: Any) -> dict[str, str]:
    return {"queries": batch if isinstance(batch, str) else json.dumps(batch)}


BAD = [
    (_queries("{"), "not valid JSON"),
    (_queries("[" * 20_000), "not valid JSON"),
    (_queries([{"query": "x"}]), "JSON object of queries"),
    (_queries({}), "JSON object of queries"),
    (_queries({"q": "LIH"}), "'q' is not a JSON object"),
    (_queries({"q": {"query": 7}}), "query must be a string"),
    (_queries({"q": {"query": "x" * 201}}), "the limit is 200"),
    (_queries({"q": {"query": ""}}), "needs a non-empty query or properties"),
    (_queries({"q": {"query": "x", "limit": 0}}), "limit must be at least 1"),
    (_queries({"q": {"query": "x", "limit": "3"}}), "limit must be a whole number"),
    (_queries({"q": {"query": "x", "limit": True}}), "limit must be a whole number"),
    (_queries({"q": {"query": "x", "type": 3}}), "type must be"),
    (_queries({"q": {"query": "x", "type": "lht:Nothing"}}), "unknown type 'lht:Nothing'"),
    (_queries({"q": {"query": "x", "type_strict": "some"}}), "type_strict"),
    (_queries({"q": {"query": "x", "colour": "red"}}), "unknown fields: colour"),
    (_queries({"q": {"query": "x", "properties": {}}}), "properties must be a list"),
    (_queries({"q": {"query": "x", "properties": [{"v": 1}]}}), "pid (a string) and v"),
    (_queries({"q": {"query": "x", "properties": [{"pid": "x:y", "v": 1}]}}), "Unknown property"),
    (
        _queries({"q": {"query": "x", "properties": [{"pid": "schema:location", "v": [[1]]}]}}),
        "a property value is",
    ),
    ({"extend": "[]"}, "extend= must be a JSON object"),
    ({"extend": '{"ids": "x", "properties": []}'}, "ids must be a list"),
    ({"extend": '{"ids": [], "properties": [1]}'}, "properties must be a list"),
    ({"extend": '{"ids": [], "properties": [{"id": "lht:nothing"}]}'}, "Unknown property"),
    (
        {"extend": '{"ids": [], "properties": [{"id": "rdf:type", "settings": {"source": "x"}}]}'},
        "unknown source",
    ),
    ({"extend": "{}", "queries": "{}"}, "not both"),
    ({}, "Send queries= (reconciliation queries) or extend="),
]


@pytest.mark.parametrize(("form", "message"), BAD)
def test_bad_input_is_400_with_a_clear_message(
    real_client: FlaskClient, form: dict[str, str], message: str
) -> None:
    response = real_client.post("/reconcile", data=form)
    assert response.status_code == 400, response.text
    assert response.mimetype == "application/json"
    assert message in response.get_json()["error"]["detail"]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/reconcile/suggest/entity", "?prefix="),
        ("/reconcile/suggest/type?prefix=a&cursor=-1", "cursor must be"),
        ("/reconcile/suggest/property?prefix=" + "a" * 201, "limit is 200"),
        ("/reconcile/properties", "?type=IRI"),
        ("/reconcile/properties?type=lht:Nothing", "unknown type"),
        ("/reconcile/properties?type=lht:Company&limit=0", "limit must be"),
    ],
)
def test_bad_requests_to_the_other_routes(
    real_client: FlaskClient, path: str, message: str
) -> None:
    response = real_client.get(path)
    assert response.status_code == 400
    assert message in response.get_json()["error"]["detail"]


def test_a_batch_over_the_cap_is_413(real_client: FlaskClient) -> None:
    batch = {f"q{i}": {"query": "LIH"} for i in range(101)}
    response = real_client.post("/reconcile", data=_queries(batch))
    assert response.status_code == 413
    assert "101 queries; at most 100" in response.get_json()["error"]["detail"]
    ids = {"ids": [ID + "x"] * 101, "properties": [{"id": "rdf:type"}]}
    assert real_client.post("/reconcile", data={"extend": json.dumps(ids)}).status_code == 413
