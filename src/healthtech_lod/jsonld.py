"""JSON-LD: the published context and compaction of RDF statements with it.

Oxigraph writes expanded JSON-LD without ``@type`` and with one node object per
statement, so the compacted form is written from the statements by compaction.py,
specialised to the context in ``context.jsonld``: the document pyld's ``from_rdf``
and ``compact`` make, at a fraction of the cost. What compaction.py does not handle
goes through pyld, as do the expanded and flattened forms and the data embedded in
pages. Nothing here touches the network: pyld is given the context inline and any
remote context is refused.

Documents refer to the context by URL plus an inline ``@base`` (a remote
context's ``@base`` is ignored by JSON-LD 1.1), so entity IRIs read as short
relative references such as ``"voicemed"``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pyoxigraph as ox
from pyld import jsonld

from .compaction import Compactor, UnsupportedError
from .embedding import Embedder
from .namespaces import DCTERMS, RDF, RDFS, SCHEMA, SKOS
from .rdf import Statement, triples

CONTEXT_PATH = Path(__file__).with_name("context.jsonld")


class RemoteContextRefusedError(Exception):
    """pyld asked for a remote document; this service never fetches one."""


def context_document() -> dict[str, Any]:
    """The published context document ``{"@context": {...}}``, a fresh copy."""
    document: dict[str, Any] = json.loads(_context_bytes())
    return document


@lru_cache(maxsize=1)
def _context_bytes() -> bytes:
    """The context file, read once: it ships with the package and never changes."""
    return CONTEXT_PATH.read_bytes()


@lru_cache(maxsize=1)
def published_context() -> bytes:
    """The context document as /context.jsonld sends it."""
    return dumps(context_document())


def compact(
    statements: Iterable[Statement],
    base: str,
    context_url: str | None = None,
    first: str | None = None,
) -> dict[str, Any]:
    """Compact statements with the context, IRIs relative to ``base`` where that is
    lossless.

    The result's ``@context`` is ``[context_url, {"@base": base}]``, or the whole
    context inline when ``context_url`` is None (for files served on their own).
    The node ``first`` (an IRI) is put first in ``@graph``.

    compaction.py writes the document; what it does not write exactly as pyld's
    ``compact`` would (an RDF list, a named graph…) is compacted by pyld.
    """
    statements = list(statements)
    relative_to = relative_base(statements, base)
    try:
        body = _compactor().compact(statements, relative_to, first)
    except UnsupportedError:
        compacted = _pyld_compact(statements, _local_context(relative_to), first)
    else:
        compacted = {"@context": None, **body}  # pyld puts @context first
    if context_url is None:
        compacted["@context"] = _local_context(relative_to)
    else:
        compacted["@context"] = [context_url, {"@base": base}]
    return compacted


def _local_context(base: str | None) -> dict[str, Any]:
    """The context with ``@base`` (None: IRIs stay absolute), a fresh copy."""
    return {**context_document()["@context"], "@base": base}


@lru_cache(maxsize=1)
def _compactor() -> Compactor:
    """The compactor of the published context, made once."""
    return Compactor(context_document()["@context"])


def _pyld_compact(
    statements: Sequence[Statement], context: dict[str, Any], first: str | None
) -> dict[str, Any]:
    """``compact`` by pyld: ``statements`` expanded, then compacted with ``context``."""
    expanded = _expand(statements)
    if first is not None:
        expanded.sort(key=lambda node: node.get("@id") != first)
    compacted: dict[str, Any] = jsonld.compact(
        expanded, context, {"documentLoader": _refuse_remote_documents}
    )
    return compacted


#: JSON-LD 1.1's profile IRI of each document form.
PROFILE_IRI = "http://www.w3.org/ns/json-ld#"


def document(
    statements: Sequence[Statement],
    base: str,
    context_url: str,
    first: str | None = None,
    form: str = "compacted",
) -> Any:
    """Statements as a JSON-LD document in ``form``: ``compacted`` (with the context at
    ``context_url``), ``expanded`` (no context: what every processor reads) or
    ``flattened`` (one node object per node in ``@graph``, compacted)."""
    if form == "expanded":
        return _expand(statements)
    if form == "flattened":
        local = {**context_document()["@context"], "@base": base}
        flattened: dict[str, Any] = jsonld.flatten(
            _expand(statements), local, {"documentLoader": _refuse_remote_documents}
        )
        flattened["@context"] = [context_url, {"@base": base}]
        return flattened
    return compact(statements, base, context_url, first)


def _node_iris(statements: Iterable[Statement]) -> set[str]:
    """The IRIs in node positions (subjects, objects, graph names)."""
    iris = set()
    for s in statements:
        for term in (s.subject, s.object, getattr(s, "graph_name", None)):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
    return iris


@lru_cache(maxsize=1 << 16)
def _relative_safe(iri: str) -> bool:
    """Whether pyld turns ``iri`` into a relative reference and back unchanged.

    Its relative form loses an empty fragment or query (``def#`` becomes ``def``),
    dot segments and default ports; a document holding such an IRI is compacted
    with absolute IRIs only.
    """
    try:
        parts = urlsplit(iri)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return False
    segments = parts.path.split("/")
    return not (
        iri.endswith(("#", "?"))
        or "?#" in iri
        or "." in segments
        or ".." in segments
        or parts.port is not None
    )


def relative_base(statements: Sequence[Statement], base: str) -> str | None:
    """``base`` if every IRI of ``statements`` can be written relative to it and read
    back unchanged; None if the document must hold absolute IRIs only."""
    iris = _node_iris(statements)
    if all(_relative_safe(iri) and _resolves_back(iri, base) for iri in iris):
        return base
    return None


@lru_cache(maxsize=1 << 16)
def _resolves_back(iri: str, base: str) -> bool:
    """Whether the relative reference written for ``iri`` resolves against ``base`` to
    ``iri`` again (RFC 3986), and a JSON-LD reader takes it for a relative reference
    (no ``:`` before its first ``/``, ``?`` or ``#``). pyld's relative form drops
    ``;`` parameters and empty segments and mistakes some IRIs under the base's path;
    a document holding such an IRI is written with absolute IRIs only."""
    if not _compactor().resolves_against(base):
        return True  # such a document goes to pyld whole, as before
    reference = _compactor().relative_reference(iri, base)
    if reference is None:  # one the writer does not make relative: all stay absolute
        return False
    if reference == iri:  # another scheme or host: written absolute anyway
        return True
    head = re.split(r"[/?#]", reference, maxsplit=1)[0]
    return ":" not in head and urljoin(base, reference) == iri


def dumps(data: dict[str, Any] | list[Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


_ENCODER = json.JSONEncoder(ensure_ascii=False, indent=2)


def dump_chunks(data: dict[str, Any] | list[Any]) -> Iterator[bytes]:
    """``dumps(data)`` in the pieces the encoder writes (the same bytes in all),
    for a writer that stops at a size without building the whole text twice."""
    for text in _ENCODER.iterencode(data):
        yield text.encode("utf-8")


def _refuse_remote_documents(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld's document loader; raises RemoteContextRefusedError for every URL."""
    raise RemoteContextRefusedError(url)


SCHEMA_ORG = str(SCHEMA)
RDF_TYPE = ox.NamedNode(str(RDF.type))
SCHEMA_NAME = ox.NamedNode(SCHEMA_ORG + "name")
#: What names a resource, by precedence (as on its page).
NAMES = tuple(ox.NamedNode(str(p)) for p in (RDFS.label, SKOS.prefLabel, DCTERMS.title))


def embedded(
    statements: Iterable[Statement],
    iri: str,
    schema_types: Mapping[str, Iterable[str]],
    languages: Sequence[str] = (),
) -> dict[str, Any]:
    """The entity's own statements for a page's ``<script type="application/ld+json">``,
    compacted with schema.org as the vocabulary so that search engines read them.

    The entity and every resource it links to are typed with the schema.org classes
    their classes refine (``schema_types``, by IRI) and named: ``schema:name`` is their
    label (rdfs:label, skos:prefLabel, dcterms:title) in the first of ``languages``
    that has one, the page's language being the first. A linked resource is embedded
    as a node with its types and name (an event's ``location`` is a Place with a
    name, not a bare IRI); blank-node values with their statements."""
    context = embedded_context()
    if languages:
        context["@language"] = languages[0]
    kept = embedded_statements(statements, iri, schema_types, languages)
    try:
        body = _embedder().frame(kept, iri, languages[0] if languages else None)
    except UnsupportedError:
        return _pyld_frame(kept, iri, context)
    return {"@context": context, **body}


def embedded_statements(
    statements: Iterable[Statement],
    iri: str,
    schema_types: Mapping[str, Iterable[str]],
    languages: Sequence[str] = (),
) -> list[ox.Triple]:
    """The statements ``embedded`` frames: the entity's own, those of its blank-node
    values, and the schema.org types and names of it and the resources it links to."""
    subject = ox.NamedNode(iri)
    known: dict[object, list[ox.Triple]] = {}  # by subject, in the order first seen
    for t in triples(statements):
        known.setdefault(t.subject, []).append(t)
    own = known.get(subject, [])
    linked = {
        t.object for t in own if isinstance(t.object, ox.NamedNode) and t.predicate != RDF_TYPE
    }
    kept = [*(_for_search_engines(t) for t in own), *_blank_values(known, own)]
    for node in (subject, *sorted(linked, key=str)):
        kept += [
            ox.Triple(node, RDF_TYPE, ox.NamedNode(t)) for t in schema_types.get(node.value, ())
        ]
        kept += _name(known, node, languages)
    return triples(kept)


def embedded_context() -> dict[str, Any]:
    """The context of the embedded data, without the page's ``@language``: the
    project's prefixes, schema.org as ``@vocab``, ``url`` and ``sameAs`` as IRIs."""
    return {k: dict(v) if isinstance(v, dict) else v for k, v in _embedded_context().items()}


@lru_cache(maxsize=1)
def _embedded_context() -> dict[str, Any]:
    """``embedded_context``, made once: not to be changed (callers get copies)."""
    prefixes = {k: v for k, v in context_document()["@context"].items() if _is_prefix(k, v)}
    context: dict[str, Any] = {**prefixes, "@vocab": SCHEMA_ORG}
    context |= {term: {"@type": "@id"} for term in ("url", "sameAs")}  # plain URL strings
    return context


@lru_cache(maxsize=1)
def _embedder() -> Embedder:
    """The writer of the embedded data, made once."""
    return Embedder(_embedded_context())


def _pyld_frame(kept: Sequence[ox.Triple], iri: str, context: dict[str, Any]) -> dict[str, Any]:
    """``embedded``'s document framed by pyld."""
    framed: dict[str, Any] = jsonld.frame(
        _expand(kept),
        {"@context": context, "@id": iri},
        {"documentLoader": _refuse_remote_documents, "embed": "@always"},
    )
    framed["@context"] = context
    return framed


def _for_search_engines(triple: ox.Triple) -> ox.Triple:
    """``triple`` with owl:sameAs said as schema:sameAs, the property search engines read."""
    if triple.predicate == OWL_SAME_AS:
        return ox.Triple(triple.subject, SCHEMA_SAME_AS, triple.object)
    return triple


OWL_SAME_AS = ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs")
SCHEMA_SAME_AS = ox.NamedNode(SCHEMA_ORG + "sameAs")


def _blank_values(
    known: Mapping[object, Sequence[ox.Triple]], own: Sequence[ox.Triple]
) -> list[ox.Triple]:
    """The statements (``known``, by subject) of the blank nodes that ``own`` reaches,
    to the end."""
    found: list[ox.Triple] = []
    pending = [t.object for t in own if isinstance(t.object, ox.BlankNode)]
    seen: set[ox.BlankNode] = set()
    while pending:
        node = pending.pop()
        if node in seen:
            continue
        seen.add(node)
        for t in known.get(node, ()):
            found.append(t)
            if isinstance(t.object, ox.BlankNode):
                pending.append(t.object)
    return found


def _name(
    known: Mapping[object, Sequence[ox.Triple]], node: ox.NamedNode, languages: Sequence[str]
) -> list[ox.Triple]:
    """``schema:name`` from the node's label (``known``: statements by subject), unless
    it has a name of its own."""
    about = known.get(node, ())
    if any(t.predicate == SCHEMA_NAME for t in about):
        return []
    for predicate in NAMES:
        found = [
            t.object for t in about if t.predicate == predicate and isinstance(t.object, ox.Literal)
        ]
        for lang in (*languages, None):
            for literal in found:
                if literal.language == lang:
                    return [ox.Triple(node, SCHEMA_NAME, literal)]
        if found:
            return [ox.Triple(node, SCHEMA_NAME, found[0])]
    return []


def _expand(statements: Iterable[Statement]) -> list[dict[str, Any]]:
    """Statements as expanded JSON-LD node objects, grouped by node (pyld's from_rdf).

    pyld is given its own dataset structure, not N-Quads text: its N-Quads reader
    splits lines at U+2028 and U+0085, which a literal may hold unescaped."""
    dataset: dict[str, list[dict[str, Any]]] = {"@default": []}
    for s in statements:
        graph = s.graph_name if isinstance(s, ox.Quad) else ox.DefaultGraph()
        name = "@default" if isinstance(graph, ox.DefaultGraph) else _pyld_term(graph)["value"]
        dataset.setdefault(name, []).append(
            {
                "subject": _pyld_term(s.subject),
                "predicate": _pyld_term(s.predicate),
                "object": _pyld_term(s.object),
            }
        )
    try:
        expanded: list[dict[str, Any]] = jsonld.from_rdf(dataset, {})
    except jsonld.JsonLdError as err:  # an rdf:JSON literal that is not JSON, say
        raise ValueError(f"these statements cannot be written as JSON-LD: {err}") from err
    return expanded


def _pyld_term(term: object) -> dict[str, str]:
    """A term in pyld's RDF dataset form."""
    if isinstance(term, ox.NamedNode):
        return {"type": "IRI", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "blank node", "value": f"_:{term.value}"}
    if isinstance(term, ox.Literal):
        literal = {"type": "literal", "value": term.value, "datatype": term.datatype.value}
        if term.language:
            literal["language"] = term.language
        return literal
    raise TypeError(f"not an RDF term in a statement: {term!r}")


def _is_prefix(key: str, value: object) -> bool:
    """A context entry that only abbreviates a namespace (``"lht": "…def#"``)."""
    return not key.startswith("@") and isinstance(value, str) and value.endswith(("/", "#"))
