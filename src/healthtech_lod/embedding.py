"""The JSON-LD a page embeds for search engines, framed from its statements directly.

``jsonld.embedded`` gathers the statements a page embeds (the entity's own, its
blank-node values to the end, and the types and names of the resources it links
to) and frames them on the entity with schema.org as ``@vocab``, ``embed:
"@always"`` and the page's language as ``@language``. pyld does that by converting
the statements to expanded JSON-LD, making a node map, framing it and compacting
the result: about half the cost of an HTML page. With such a context and such a
frame the result is the entity's node object with every node it refers to embedded
in it, recursively, which is written here straight from the statements: the same
document pyld's ``frame`` gives (the same keys in the same order, hence the same
bytes once dumped). Keys and IRIs are chosen by compaction.py's
:class:`~healthtech_lod.compaction.Compactor` for the context without its
``@language``; values are written here, under that default language.

What is not written exactly as pyld would raises
:class:`~healthtech_lod.compaction.UnsupportedError` and the caller frames that page
with pyld: a cycle (a node reached again below itself, which pyld writes as a bare
reference), a blank node reached more than once (pyld keeps its ``@id`` then) or
without statements of its own, a blank node as a type, an RDF list (``rdf:nil`` as
an object), an ``rdf:JSON`` literal, a predicate that is the IRI of a term of the
context without a type (a prefix's namespace), an entity without statements, and
whatever compaction.py declines (an IRI that reads as a compact IRI, a quoted
triple…).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pyoxigraph as ox

from .compaction import (
    IRI,
    RDF_JSON,
    RDF_NIL,
    RDF_TYPE,
    TYPED,
    XSD_STRING,
    Compactor,
    UnsupportedError,
    _add,
    _node_id,
)

#: The properties of a node: "@type" to its type IRIs, a predicate IRI to its values
#: (a node's IRI or blank node id, or a literal), both in the statements' order.
Properties = dict[str, list[Any]]


class Embedder:
    """Frames statements on one node with a context of prefixes, ``@vocab`` and terms
    coerced to ``@id``, embedding every node reached (pyld's ``embed: "@always"``)."""

    def __init__(self, context: Mapping[str, Any]) -> None:
        """``context``: the frame's context without its ``@language``; a term defined
        without ``@id`` takes its IRI from ``@vocab``, as in JSON-LD."""
        vocab = context.get("@vocab")
        explicit: dict[str, Any] = {}
        for term, definition in context.items():
            if isinstance(definition, dict) and "@id" not in definition:
                if vocab is None:
                    raise ValueError(f"{term} has no IRI and the context no @vocab")
                definition = {**definition, "@id": vocab + term}
            explicit[term] = definition
        self.compactor = Compactor(explicit)
        # The IRIs of terms without a type: the default language is theirs too, and a
        # value's term would be chosen with it (here only prefixes, not properties).
        self.untyped = {t.iri for t in self.compactor.terms.values() if t.type is None}

    def frame(
        self, statements: Iterable[ox.Triple], iri: str, language: str | None
    ) -> dict[str, Any]:
        """The document pyld's ``frame`` makes of ``statements`` with the frame
        ``{"@id": iri}``, without its ``@context``; ``language`` is the context's
        ``@language``. Raises UnsupportedError where pyld must frame them."""
        nodes: dict[str, Properties] = {}
        referenced: set[str] = set()
        for statement in statements:
            subject = _node_id(statement.subject)
            node = nodes.get(subject)
            if node is None:
                node = nodes[subject] = {}
            predicate = statement.predicate.value
            if predicate in self.untyped:
                raise UnsupportedError(f"a predicate that is an untyped term's IRI: <{predicate}>")
            o = statement.object
            if isinstance(o, ox.Literal):
                if o.datatype.value == RDF_JSON:
                    raise UnsupportedError("an rdf:JSON literal")
                node.setdefault(predicate, []).append(o)
                continue
            if isinstance(o, ox.NamedNode):
                if o.value == RDF_NIL:
                    raise UnsupportedError("an RDF list (rdf:nil as an object)")
                target = o.value
            elif isinstance(o, ox.BlankNode):
                target = "_:" + o.value
                if predicate == RDF_TYPE:
                    raise UnsupportedError("a blank node as a type")
                if target in referenced:
                    raise UnsupportedError(f"a blank node reached more than once: {target}")
                referenced.add(target)
            else:
                raise UnsupportedError(f"a quoted triple or other term: {o!r}")
            node.setdefault("@type" if predicate == RDF_TYPE else predicate, []).append(target)
        if iri not in nodes:
            raise UnsupportedError(f"no statement about <{iri}>")
        return self._node(iri, nodes, (), language)

    def _node(
        self, id_: str, nodes: dict[str, Properties], above: tuple[str, ...], language: str | None
    ) -> dict[str, Any]:
        """The node ``id_`` compacted, the nodes it refers to embedded; ``above``: the
        nodes it is embedded in."""
        if id_ in above:
            raise UnsupportedError(f"a cycle through {id_}")
        compactor = self.compactor
        properties = nodes.get(id_)
        blank = id_.startswith("_:")
        if blank and properties is None:
            raise UnsupportedError(f"a blank node without statements: {id_}")
        # A blank node embedded once loses its @id (pyld's pruneBlankNodeIdentifiers).
        node: dict[str, Any] = {} if blank else {"@id": compactor._node_iri(id_, None)}
        if properties is None:
            return node
        below = (*above, id_)
        for predicate in sorted(properties):
            values = properties[predicate]
            if predicate == "@type":
                types = [compactor._vocab_iri(t) for t in values]
                node["@type"] = types[0] if len(types) == 1 else types
                continue
            for value in values:
                if isinstance(value, str):  # a node, embedded
                    slot = compactor._slot(
                        predicate, "@id", value in compactor.inverse and compactor._is_term(value)
                    )
                    item: Any = self._node(value, nodes, below, language)
                    if slot.form == IRI and len(item) == 1 and "@id" in item:
                        item = item["@id"]
                    _add(node, slot.key, item)
                else:
                    key, item = self._literal(predicate, value, language)
                    _add(node, key, item)
        return node

    def _literal(
        self, predicate: str, literal: ox.Literal, language: str | None
    ) -> tuple[str, Any]:
        """The key and the compacted value of a literal, ``language`` the default."""
        compactor = self.compactor
        tag = literal.language
        if tag:
            tag = tag.lower()
            key = compactor._slot(predicate, "@language", tag).key
            if tag == language:
                return key, literal.value
            return key, {"@language": tag, "@value": literal.value}
        datatype = literal.datatype.value
        if datatype == XSD_STRING:
            key = compactor._slot(predicate, "@null", None).key
            return key, literal.value if language is None else {"@value": literal.value}
        slot = compactor._slot(predicate, "@type", datatype)
        if slot.form != TYPED:  # a datatype a term states: none in this context
            raise UnsupportedError(f"a literal of a coerced datatype: {datatype}")
        return slot.key, {"@type": slot.extra, "@value": literal.value}
