"""Where the sources disagree, found once per dataset version and published as data.

The sources keep both claims where they disagree, each with its source (docs/model.md,
*Provenance*). Finding them means comparing every figure and every value of a
functional property with the others: a pass over the whole dataset (9 s at 10 M
statements in Oxigraph), which no query plan can avoid. The build makes that pass once,
after loading, and writes what it finds into a graph of its own, ``graph/disagreements``
(in no source's graph: the sources do not say it, the comparison does):

- ``?thing lht:conflictingValuesFor ?property``: the sources give ``?thing`` two
  different values of the single-valued ``?property`` (each in its own source's graph);
- ``?o1 lht:disagreesWith ?o2`` (both ways): two observations give different figures
  for the same measure of the same thing, for the same year and period or, undated,
  in the same document;
- ``?o1 lht:sameFigureAs ?o2`` (both ways): one document gives the same exact figure,
  for the same year, as two different measures (two readings of one statement).

The example query ``query-disagreements`` starts from these links and checks each pair
again, so that its rows are those of the whole comparison (tests/test_disagreements.py
compares them) at the cost of the pairs alone.
"""

from __future__ import annotations

import pyoxigraph as ox

from .namespaces import GRAPH, LHT
from .rdf import sort_key

#: The graph the comparison's findings are written into.
DISAGREEMENTS = ox.NamedNode(str(GRAPH["disagreements"]))

_PREFIXES = """PREFIX lht: <https://w3id.org/lu-healthtech/def#>
PREFIX schema: <https://schema.org/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""

#: Things given two values of a single-valued property, by two sources or one.
CONFLICTING_VALUES = (
    _PREFIXES
    + """SELECT DISTINCT ?s ?property WHERE {
  ?property a owl:FunctionalProperty .
  GRAPH ?g1 { ?s ?property ?value1 ; dcterms:source ?source1 }
  GRAPH ?g2 { ?s ?property ?value2 ; dcterms:source ?source2 }
  FILTER (STR(?value1) < STR(?value2))
}"""
)

#: Two figures for one measure of one thing, for the same year and period, or both
#: undated and from one document. Each side is read once and the two meet in a hash
#: join on what makes them comparable (?when: year/period).
DIFFERENT_FIGURES = (
    _PREFIXES
    + """SELECT DISTINCT ?o1 ?o2 WHERE {
  { SELECT ?o1 ?about ?m ?value1 ?source1 ?y1 ?when WHERE {
      ?o1 a lht:Observation ; schema:observationAbout ?about ; lht:measure ?m ;
          schema:value ?value1 ; dcterms:source ?source1 .
      FILTER (isLiteral(?value1))
      OPTIONAL { ?o1 lht:referenceYear ?y1 }
      OPTIONAL { ?o1 lht:periodStart ?p1 }
      BIND (CONCAT(COALESCE(STR(?y1), ""), "/", COALESCE(STR(?p1), "")) AS ?when)
  } }
  { SELECT ?o2 ?about ?m ?value2 ?source2 ?when WHERE {
      ?o2 a lht:Observation ; schema:observationAbout ?about ; lht:measure ?m ;
          schema:value ?value2 ; dcterms:source ?source2 .
      FILTER (isLiteral(?value2))
      OPTIONAL { ?o2 lht:referenceYear ?y2 }
      OPTIONAL { ?o2 lht:periodStart ?p2 }
      BIND (CONCAT(COALESCE(STR(?y2), ""), "/", COALESCE(STR(?p2), "")) AS ?when)
  } }
  FILTER (?value1 < ?value2 && (BOUND(?y1) || ?source1 = ?source2))
}"""
)

#: One exact figure (no qualifier) that one document gives, for one year, as two measures.
SAME_FIGURE = (
    _PREFIXES
    + """SELECT DISTINCT ?o1 ?o2 WHERE {
  { SELECT ?o1 ?about ?m1 ?value1 ?unit ?source1 ?year WHERE {
      ?o1 a lht:Observation ; schema:observationAbout ?about ; lht:measure ?m1 ;
          schema:value ?value1 ; schema:unitCode ?unit ; dcterms:source ?source1 .
      FILTER (isLiteral(?value1))
      FILTER NOT EXISTS { ?o1 lht:valueQualifier ?q1 }
      OPTIONAL { ?o1 lht:referenceYear ?y1 }
      BIND (COALESCE(STR(?y1), "") AS ?year)
  } }
  { SELECT ?o2 ?about ?m2 ?value2 ?unit ?source2 ?year WHERE {
      ?o2 a lht:Observation ; schema:observationAbout ?about ; lht:measure ?m2 ;
          schema:value ?value2 ; schema:unitCode ?unit ; dcterms:source ?source2 .
      FILTER NOT EXISTS { ?o2 lht:valueQualifier ?q2 }
      OPTIONAL { ?o2 lht:referenceYear ?y2 }
      BIND (COALESCE(STR(?y2), "") AS ?year)
  } }
  FILTER (?source1 = ?source2 && STR(?m1) < STR(?m2) && ?value1 = ?value2)
}"""
)


def add(store: ox.Store) -> list[ox.Quad]:
    """Find them in ``store`` (its default graph already the union of its named graphs)
    and write them into DISAGREEMENTS and into the default graph; returns them."""
    found = find(store)
    store.extend(found)
    store.extend(ox.Quad(q.subject, q.predicate, q.object) for q in found)
    return found


def find(store: ox.Store) -> list[ox.Quad]:
    """The comparison's findings over ``store``'s default graph (the union of its named
    graphs), as quads of DISAGREEMENTS, sorted; symmetric links are stated both ways."""
    found: set[ox.Quad] = set()
    conflicting = ox.NamedNode(str(LHT.conflictingValuesFor))
    for row in _rows(store, CONFLICTING_VALUES):
        found.add(ox.Quad(row["s"], conflicting, row["property"], DISAGREEMENTS))
    for query, term in ((DIFFERENT_FIGURES, LHT.disagreesWith), (SAME_FIGURE, LHT.sameFigureAs)):
        link = ox.NamedNode(str(term))
        for row in _rows(store, query):
            found.add(ox.Quad(row["o1"], link, row["o2"], DISAGREEMENTS))
            found.add(ox.Quad(row["o2"], link, row["o1"], DISAGREEMENTS))
    return sorted(found, key=sort_key)


def _rows(store: ox.Store, query: str) -> ox.QuerySolutions:
    solutions = store.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    return solutions
