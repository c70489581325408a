"""The query mix of the benchmarks, read from the built dataset itself.

The mix is every example query of ``data/queries.ttl`` (its ``sh:select`` texts, in their
``schema:position`` order) plus five more:

- ``describe``: an entity description, every statement about one synthetic company and
  every statement pointing at it, with the named graph of each (what a document is made of);
- ``label-search``: a case-insensitive substring search over every ``rdfs:label``,
  ``ORDER BY`` and ``LIMIT 100`` (a full scan of the labels);
- ``aggregate``: the number of distinct instances of every class (a full scan of the types);
- ``join-selective``: a two-hop join from that company (company → its town ← the other
  companies of the town ← their products), ``ORDER BY`` the product's name, ``LIMIT 20``;
  towns hold about 25 organisations at every size, so its answer does not grow with the data;
- ``join-global``: a two-hop join over every product (product → manufacturer → town),
  ``ORDER BY`` the founding date, ``LIMIT 20``: the whole join is evaluated, then cut.

The company is chosen from the data (the first synthetic company, by IRI, that has a town and
products), so the mix is the same kind of work at every size.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

REPO = Path(__file__).resolve().parents[1]
QUERIES_FILE = REPO / "data" / "queries.ttl"
ID = "https://w3id.org/lu-healthtech/id/"
PREFIXES = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
PREFIX lht: <https://w3id.org/lu-healthtech/def#>
"""
SEARCH_TEXT = "cardiotek"


@dataclass(frozen=True)
class Query:
    name: str
    kind: str
    text: str


def examples(path: Path = QUERIES_FILE) -> list[Query]:
    """The example queries (``sh:select``) in their position order, named by slug."""
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    rows = store.query(
        """PREFIX sh: <http://www.w3.org/ns/shacl#> PREFIX schema: <https://schema.org/>
        SELECT ?x ?q WHERE { ?x sh:select ?q ; schema:position ?n } ORDER BY ?n"""
    )
    found = []
    for row in rows:
        iri = row["x"].value
        slug = iri[len(ID) :] if iri.startswith(ID) else iri
        found.append(Query(slug.removeprefix("query-"), "example", row["q"].value))
    return found


def pick_company(store: ox.Store) -> str:
    """The first synthetic company by IRI with a town and at least one product."""
    rows = list(
        store.query(
            PREFIXES
            + f"""SELECT ?c WHERE {{
  ?c a lht:Company ; schema:location ?town .
  FILTER (STRSTARTS(STR(?c), "{ID}syn-"))
  FILTER EXISTS {{ ?p schema:manufacturer ?c }}
}} ORDER BY ?c LIMIT 1""",
            use_default_graph_as_union=True,
        )
    )
    if not rows:
        raise ValueError("the dataset has no synthetic company with a town and a product")
    return str(rows[0]["c"].value)


def extra(company: str) -> list[Query]:
    """The entity description, label search, aggregate and the two joins."""
    entity = f"<{company}>"
    return [
        Query(
            "describe",
            "describe",
            f"""SELECT ?s ?p ?o ?g WHERE {{
  {{ GRAPH ?g {{ {entity} ?p ?o }} BIND ({entity} AS ?s) }}
  UNION
  {{ GRAPH ?g {{ ?s ?p {entity} }} BIND ({entity} AS ?o) }}
}}""",
        ),
        Query(
            "label-search",
            "search",
            PREFIXES
            + f"""SELECT ?s ?label WHERE {{
  ?s rdfs:label ?label .
  FILTER (CONTAINS(LCASE(STR(?label)), "{SEARCH_TEXT}"))
}} ORDER BY ?label ?s LIMIT 100""",
        ),
        Query(
            "aggregate",
            "aggregate",
            """SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class }
GROUP BY ?class ORDER BY DESC(?n) ?class""",
        ),
        Query(
            "join-selective",
            "join",
            PREFIXES
            + f"""SELECT ?product ?name ?company WHERE {{
  {entity} schema:location ?town .
  ?company schema:location ?town .
  ?product schema:manufacturer ?company ; rdfs:label ?name .
  FILTER (LANG(?name) = "en")
}} ORDER BY ?name ?product LIMIT 20""",
        ),
        Query(
            "join-global",
            "join",
            PREFIXES
            + """SELECT ?product ?company ?founded ?town WHERE {
  ?product schema:manufacturer ?company .
  ?company schema:location ?place ; schema:foundingDate ?founded .
  ?place rdfs:label ?town . FILTER (LANG(?town) = "en")
} ORDER BY DESC(?founded) ?product LIMIT 20""",
        ),
    ]


def the_mix(store_path: Path, queries_file: Path = QUERIES_FILE) -> tuple[list[Query], str]:
    """The whole mix for the built store at ``store_path``, and the chosen company."""
    store = ox.Store.read_only(str(store_path))
    try:
        company = pick_company(store)
    finally:
        del store
    return examples(queries_file) + extra(company), company


def organisation_slugs(store_path: Path, count: int = 200) -> list[str]:
    """``count`` synthetic organisation slugs spread evenly over all of them by IRI
    (the dereferencing workload: documents of the same shape at every size)."""
    store = ox.Store.read_only(str(store_path))
    try:
        rows = [
            str(row["c"].value)
            for row in store.query(
                PREFIXES
                + f"""SELECT DISTINCT ?c WHERE {{
  ?c a lht:Company . FILTER (STRSTARTS(STR(?c), "{ID}syn-"))
}} ORDER BY ?c""",
                use_default_graph_as_union=True,
            )
        ]
    finally:
        del store
    if not rows:
        raise ValueError("the dataset has no synthetic company")
    step = max(1, len(rows) // count)
    return [iri[len(ID) :] for iri in rows[::step][:count]]
