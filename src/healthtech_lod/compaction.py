"""JSON-LD compaction of RDF statements with one fixed context, written directly.

pyld compacts by converting the statements to expanded JSON-LD (``from_rdf``),
expanding that again and then choosing, for every IRI and value, a term through a
general search of the inverse context. With the service's own context, which never
changes, the choices depend only on the IRI and the kind of value (an IRI, a
language, a datatype), so they are made once and remembered, and the compacted
document is written straight from the statements: the same document pyld's
``compact`` gives (the same keys in the same order, hence the same bytes once
dumped), for the ``compacted`` form.

What is handled is what this context uses: terms and prefixes, ``@vocab``, the
``@id`` and ``@type`` aliases, ``@type`` coercion to ``@id`` or a datatype,
``@language`` maps, and IRIs relative to a base. Whatever falls outside raises
:class:`UnsupportedError`, and the caller compacts that document with pyld instead: a
statement in a named graph, an RDF list (``rdf:nil`` as an object: pyld turns the
list into ``@list``), an ``rdf:JSON`` literal, an IRI pyld would take for a compact
IRI, or an IRI whose reference relative to the base this module does not work out
exactly as pyld does.

The context is checked when a :class:`Compactor` is made: a feature this module
does not implement (``@reverse``, ``@list`` or ``@set`` containers, scoped
contexts, a default language…) raises ``ValueError`` there rather than giving a
different document later.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple
from urllib.parse import ParseResult, urlparse

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_JSON = "http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON"
RDF_NIL = "http://www.w3.org/1999/02/22-rdf-syntax-ns#nil"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

#: Entries of a term definition this module implements, and of the context itself.
TERM_KEYS = {"@id", "@type", "@container", "@language"}
CONTEXT_KEYWORDS = {"@version", "@vocab"}
#: How long a cache of choices may grow before it starts again (IRIs are many).
CACHE_LIMIT = 1 << 16

# How a value is written under its key (_Slot.form).
BARE = 0  # the literal's lexical form
TYPED = 1  # {"type": datatype, "@value": lexical form}
TAGGED = 2  # {"@language": tag, "@value": lexical form}
IRI = 3  # the node's IRI, compacted
REFERENCE = 4  # {"id": the node's IRI, compacted}


class UnsupportedError(Exception):
    """The statements hold something this writer does not write as pyld does."""


class _Term(NamedTuple):
    iri: str
    type: str | None  # "@id", a datatype IRI or None
    container: str  # "@none" or "@language"
    language: str | None  # the mapping's own @language ("" stands for null)
    prefix: bool  # usable as the prefix of a compact IRI


class _Slot(NamedTuple):
    """Where and how one kind of value of a property is written."""

    key: str
    language_map: bool
    form: int
    extra: str  # TYPED: the datatype, compacted


class Compactor:
    """Compacts statements with one context (the ``@context`` object of a document)."""

    def __init__(self, context: Mapping[str, Any]) -> None:
        self.vocab: str | None = context.get("@vocab")
        self.terms = _terms(context)
        # Candidates for compact IRIs, in the order pyld tries them (context order).
        self.curies = [(t, d.iri, d.prefix) for t, d in self.terms.items() if ":" not in t]
        self.inverse = _inverse(self.terms)
        if "_" in self.terms:
            raise ValueError("a term _ (the prefix of blank node ids) is not implemented")
        self.aliases = {kw: self._iri(kw, None, vocab=True) for kw in _KEYWORDS}
        if any(self.aliases[kw] != kw for kw in ("@value", "@language", "@none", "@graph")):
            raise ValueError("aliases of @value, @language, @none or @graph are not implemented")
        self._slots: dict[tuple[str, str, object], _Slot] = {}
        self._vocab_iris: dict[str, str] = {}
        self._node_iris: dict[tuple[str, str | None], str] = {}
        self._bases: dict[str, ParseResult] = {}

    def compact(
        self, statements: Iterable[ox.Triple | ox.Quad], base: str | None, first: str | None
    ) -> dict[str, Any]:
        """The compacted document of ``statements`` without its ``@context``: one node
        object, ``{"@graph": [...]}`` or ``{}``, as pyld's ``compact`` makes it with the
        context plus ``"@base": base`` (None: IRIs stay absolute). The node ``first``
        (an IRI) leads ``@graph``. Raises UnsupportedError for what it does not handle."""
        if base is not None:
            self._base(base)  # checked before any IRI is made relative to it
        nodes: dict[str, dict[str, list[Any]]] = {}
        for statement in statements:
            if isinstance(statement, ox.Quad) and not isinstance(
                statement.graph_name, ox.DefaultGraph
            ):
                raise UnsupportedError("a statement in a named graph")
            subject = _node_id(statement.subject)
            node = nodes.get(subject)
            if node is None:
                node = nodes[subject] = {}
            o = statement.object
            predicate = statement.predicate.value
            if isinstance(o, ox.Literal):
                node.setdefault(predicate, []).append(o)
                continue
            if isinstance(o, ox.NamedNode):
                if o.value == RDF_NIL:
                    raise UnsupportedError("an RDF list (rdf:nil as an object)")
                target = o.value
            elif isinstance(o, ox.BlankNode):
                target = "_:" + o.value
            else:
                raise UnsupportedError(f"a quoted triple or other term: {o!r}")
            if predicate == RDF_TYPE:
                node.setdefault("@type", []).append(target)
            else:
                node.setdefault(predicate, []).append(target)
        # pyld's order: by node id (its strings), the node `first` moved to the front.
        ordered = sorted(nodes)
        if first is not None and first in nodes:
            ordered.remove(first)
            ordered.insert(0, first)
        graph = [self._node(id_, nodes[id_], base) for id_ in ordered]
        if len(graph) == 1:
            return graph[0]
        if not graph:
            return {}
        return {self.aliases["@graph"]: graph}

    def _node(self, id_: str, properties: dict[str, list[Any]], base: str | None) -> dict[str, Any]:
        node: dict[str, Any] = {self.aliases["@id"]: self._node_iri(id_, base)}
        types = properties.pop("@type", None)
        if types is not None:
            compacted = [self._vocab_iri(t) for t in types]
            node[self.aliases["@type"]] = compacted[0] if len(compacted) == 1 else compacted
        none = self.aliases["@none"]
        for predicate in sorted(properties):
            for value in properties[predicate]:
                if isinstance(value, str):  # a node: its id
                    slot = self._slot(
                        predicate, "@id", value in self.inverse and self._is_term(value)
                    )
                    item: Any = self._node_iri(value, base)
                    if slot.form == REFERENCE:
                        item = {self.aliases["@id"]: item}
                    language = None
                else:
                    item, language, slot = self._literal(predicate, value)
                if slot.language_map:
                    _add(node.setdefault(slot.key, {}), language or none, item)
                else:
                    _add(node, slot.key, item)
        return node

    def _literal(self, predicate: str, literal: ox.Literal) -> tuple[Any, str | None, _Slot]:
        """A literal written as its slot says, its language (lower case) and the slot."""
        language = literal.language
        if language:
            language = language.lower()  # as pyld's expansion does (Oxigraph's are already)
            slot = self._slot(predicate, "@language", language)
        else:
            datatype = literal.datatype.value
            if datatype == XSD_STRING:
                slot = self._slot(predicate, "@null", None)
            elif datatype == RDF_JSON:
                raise UnsupportedError("an rdf:JSON literal")
            else:
                slot = self._slot(predicate, "@type", datatype)
        value = literal.value
        if slot.form == BARE or slot.language_map:
            return value, language, slot
        if slot.form == TYPED:
            return {self.aliases["@type"]: slot.extra, "@value": value}, language, slot
        return {self.aliases["@language"]: language, "@value": value}, language, slot

    # Choices, made once for each IRI and kind of value.

    def _slot(self, predicate: str, kind: str, detail: object) -> _Slot:
        """The key and form of a value of ``predicate``: ``kind`` "@id" (a node;
        ``detail`` whether its IRI is a term's), "@language" (``detail`` the tag),
        "@type" (``detail`` the datatype) or "@null" (a plain string)."""
        found = self._slots.get((predicate, kind, detail))
        if found is None:
            found = self._make_slot(predicate, kind, detail)
            if len(self._slots) >= CACHE_LIMIT:
                self._slots.clear()
            self._slots[(predicate, kind, detail)] = found
        return found

    def _make_slot(self, predicate: str, kind: str, detail: object) -> _Slot:
        key = self._iri(predicate, (kind, detail), vocab=True)
        term = self.terms.get(key)
        coercion = term.type if term else None
        language_map = term is not None and term.container == "@language"
        if kind == "@id":
            return _Slot(key, language_map, IRI if coercion == "@id" else REFERENCE, "")
        # pyld's value compaction: a datatype or language the term states is left out.
        if kind == "@type" and detail == coercion:
            return _Slot(key, language_map, BARE, "")
        if kind == "@language" and term is not None and detail == term.language:
            return _Slot(key, language_map, BARE, "")
        if kind == "@null":
            return _Slot(key, language_map, BARE, "")
        if kind == "@type":
            assert isinstance(detail, str)
            return _Slot(key, language_map, TYPED, self._vocab_iri(detail))
        return _Slot(key, language_map, TAGGED, "")

    def _is_term(self, iri: str) -> bool:
        """Whether ``iri`` compacts (as a vocabulary IRI) to a term that maps to it."""
        term = self.terms.get(self._vocab_iri(iri))
        return term is not None and term.iri == iri

    def _vocab_iri(self, iri: str) -> str:
        """A class, datatype or other IRI in a vocabulary position, compacted."""
        found = self._vocab_iris.get(iri)
        if found is None:
            found = self._iri(iri, None, vocab=True)
            if len(self._vocab_iris) >= CACHE_LIMIT:
                self._vocab_iris.clear()
            self._vocab_iris[iri] = found
        return found

    def _node_iri(self, iri: str, base: str | None) -> str:
        """A node's IRI (or blank node id), compacted: a compact IRI, a reference
        relative to ``base`` or the IRI itself."""
        if iri.startswith("_:"):  # a blank node: no term, prefix or base applies
            return iri
        found = self._node_iris.get((iri, base))
        if found is None:
            found = self._iri(iri, None, vocab=False)
            if found == iri and base is not None:
                found = self._relative(iri, base)
            if len(self._node_iris) >= CACHE_LIMIT:
                self._node_iris.clear()
            self._node_iris[(iri, base)] = found
        return found

    def _iri(self, iri: str, value: tuple[str, object] | None, vocab: bool) -> str:
        """pyld's IRI compaction (``_compact_iri``) with this context, but for the
        base: a term, a ``@vocab`` suffix, a compact IRI or the IRI unchanged.
        ``value``: (kind, detail) as for _slot, None for an IRI on its own."""
        if iri.startswith("@"):  # a keyword: its alias
            alias = self.inverse.get(iri, {}).get("@none", {}).get("@type", {}).get("@none")
            if alias:
                return alias
            vocab = True
        if vocab and iri in self.inverse:
            term = self._select_term(iri, value)
            if term is not None:
                return term
        if vocab and self.vocab is not None and iri.startswith(self.vocab) and iri != self.vocab:
            suffix = iri[len(self.vocab) :]
            if suffix not in self.terms:
                return suffix
        candidate = None
        for term, prefix_iri, prefix in self.curies:
            if not prefix_iri or prefix_iri == iri or not iri.startswith(prefix_iri):
                continue
            curie = term + ":" + iri[len(prefix_iri) :]
            usable = (prefix and curie not in self.terms) or (
                value is None and curie in self.terms and self.terms[curie].iri == iri
            )
            if usable and (candidate is None or (len(curie), curie) < (len(candidate), candidate)):
                candidate = curie
        if candidate is not None:
            return candidate
        for term, _, prefix in self.curies:
            if prefix and iri.startswith(term + ":"):
                raise UnsupportedError(f"<{iri}> reads as a compact IRI with the prefix {term}")
        return iri

    def _select_term(self, iri: str, value: tuple[str, object] | None) -> str | None:
        """pyld's term selection for ``iri`` holding ``value``."""
        containers: list[str] = []
        kind = value[0] if value else None
        if kind == "@id":
            containers += ["@id", "@id@set", "@type", "@set@type"]
        type_or_language, preferred = "@language", "@null"
        if kind == "@language":
            containers += ["@language", "@language@set"]
            preferred = str(value[1]) if value else ""
        elif kind == "@type":
            type_or_language, preferred = "@type", str(value[1]) if value else ""
        elif kind != "@null":  # a node, or no value at all
            type_or_language, preferred = "@type", "@id"
        containers += ["@set", "@none"]
        if value is not None:
            containers += ["@index", "@index@set"]
        if kind == "@null":
            containers += ["@language", "@language@set"]
        if preferred == "@id" and kind == "@id":
            prefs = ["@vocab", "@id"] if value and value[1] else ["@id", "@vocab"]
        else:
            prefs = [preferred]
            if "_" in preferred:
                prefs.append("_" + preferred.split("_")[-1])
        prefs.append("@none")
        by_container = self.inverse[iri]
        for container in containers:
            if container not in by_container:
                continue
            choices = by_container[container][type_or_language]
            for pref in prefs:
                if pref in choices:
                    return choices[pref]
        return None

    def _base(self, base: str) -> ParseResult:
        parsed = self._bases.get(base)
        if parsed is None:
            parsed = urlparse(base)
            segments = parsed.path.split("/")
            if (
                not parsed.scheme
                or not parsed.path.startswith("/")
                or parsed.params
                or parsed.query
                or parsed.fragment
                or "#" in base
                or _port(parsed) is not None
                or "." in segments
                or ".." in segments
            ):
                raise UnsupportedError(f"a base this writer does not resolve against: {base}")
            self._bases[base] = parsed
        return parsed

    def resolves_against(self, base: str) -> bool:
        """Whether this writer makes references relative to ``base`` (pyld does the
        documents whose base it does not)."""
        try:
            self._base(base)
        except UnsupportedError:
            return False
        return True

    def relative_reference(self, iri: str, base: str) -> str | None:
        """``iri`` as this writer (and pyld) would write it relative to ``base``, or
        None where it writes no relative reference."""
        try:
            return self._relative(iri, base)
        except UnsupportedError:
            return None

    def _relative(self, iri: str, base: str) -> str:
        """``iri`` relative to ``base`` as pyld's ``unresolve`` writes it (the IRIs
        are those ``jsonld._relative_safe`` lets through: no dot segments, no port)."""
        parsed_base = self._base(base)
        parsed = urlparse(iri)
        if parsed.scheme != parsed_base.scheme or (parsed.netloc or None) != (
            parsed_base.netloc or None
        ):
            if _port(parsed) is not None:
                raise UnsupportedError(f"an IRI with a port: {iri}")
            return iri
        path = parsed.path or "/"  # as pyld's remove_dot_segments makes it
        segments = path.split("/")
        if (
            not path.startswith("/")
            or parsed.params
            or _port(parsed) is not None
            or "." in segments
            or ".." in segments
        ):
            raise UnsupportedError(f"an IRI this writer does not make relative: {iri}")
        base_segments = parsed_base.path.split("/")
        last = 0 if (parsed.fragment or parsed.query) else 1
        while base_segments and len(segments) > last and base_segments[0] == segments[0]:
            base_segments.pop(0)
            segments.pop(0)
        relative = ""
        if base_segments:
            relative += "../" * (len(base_segments) - 1)
        relative += "/".join(segments)
        if relative.startswith("@"):
            relative = "./" + relative
        if relative.startswith("/"):
            raise UnsupportedError(f"a relative reference that would start with '/': {iri}")
        if parsed.query:
            relative += "?" + parsed.query
        if parsed.fragment:
            relative += "#" + parsed.fragment
        return relative or "./"


_KEYWORDS = ("@id", "@type", "@graph", "@language", "@none", "@value")
_GEN_DELIM = re.compile(r".*[:/?#\[\]@]$")


def _node_id(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    raise UnsupportedError(f"a subject that is not an IRI or a blank node: {term!r}")


def _port(parsed: ParseResult) -> int | None:
    try:
        return parsed.port
    except ValueError as err:
        raise UnsupportedError(f"an IRI with a bad port: {parsed.geturl()}") from err


def _add(target: dict[str, Any], key: str, value: Any) -> None:
    """pyld's ``add_value`` (duplicates kept): one value alone, more in an array."""
    if key not in target:
        target[key] = value
    elif isinstance(target[key], list):
        target[key].append(value)
    else:
        target[key] = [target[key], value]


def _terms(context: Mapping[str, Any]) -> dict[str, _Term]:
    """The term definitions of ``context``, IRIs expanded; ValueError for a feature
    this module does not implement."""
    for key, value in context.items():
        if key.startswith("@") and key not in CONTEXT_KEYWORDS:
            raise ValueError(f"the context's {key} is not implemented by compaction.py")
        if key == "@version" and value != 1.1:
            raise ValueError("compaction.py implements JSON-LD 1.1 processing")
    simple = {k: v for k, v in context.items() if not k.startswith("@") and isinstance(v, str)}

    def expand(value: str) -> str:
        if value.startswith("@"):
            return value
        prefix, colon, rest = value.partition(":")
        if colon and not rest.startswith("//") and prefix in simple:
            return expand(simple[prefix]) + rest
        if not colon:
            raise ValueError(f"a relative IRI in the context: {value}")
        return value

    terms: dict[str, _Term] = {}
    for term, definition in context.items():
        if term.startswith("@"):
            continue
        if ":" in term or "/" in term:
            raise ValueError(f"a compact IRI or IRI as a term is not implemented: {term}")
        if isinstance(definition, str):
            iri = expand(definition)
            prefix = not iri.startswith("@") and bool(_GEN_DELIM.match(iri))
            terms[term] = _Term(iri, None, "@none", None, prefix)
            continue
        if not isinstance(definition, dict) or not set(definition) <= TERM_KEYS:
            raise ValueError(f"the definition of {term} is not implemented: {definition}")
        coercion = definition.get("@type")
        if coercion is not None and coercion != "@id":
            coercion = expand(coercion)
            if coercion.startswith("@"):
                raise ValueError(f"{term}: @type {coercion} is not implemented")
        container = definition.get("@container", "@none")
        if container not in ("@none", "@language"):
            raise ValueError(f"{term}: @container {container} is not implemented")
        language = definition.get("@language")
        if "@language" in definition:
            language = "" if language is None else str(language).lower()
        iri = expand(definition.get("@id", term))
        terms[term] = _Term(iri, coercion, container, language, False)
    return terms


def _inverse(terms: Mapping[str, _Term]) -> dict[str, dict[str, dict[str, dict[str, str]]]]:
    """pyld's inverse context: IRI → container → "@language"/"@type"/"@any" →
    preferred language or type → term, shortest then least terms first."""
    inverse: dict[str, dict[str, dict[str, dict[str, str]]]] = {}
    for term, mapping in sorted(terms.items(), key=lambda kv: (len(kv[0]), kv[0])):
        by_container = inverse.setdefault(mapping.iri, {})
        entry = by_container.setdefault(
            mapping.container, {"@language": {}, "@type": {}, "@any": {}}
        )
        entry["@any"].setdefault("@none", term)
        if mapping.type is not None:
            entry["@type"].setdefault(mapping.type, term)
        elif mapping.language is not None:
            entry["@language"].setdefault(mapping.language or "@null", term)
        else:
            entry["@language"].setdefault("@none", term)  # the default language: none
            entry["@type"].setdefault("@none", term)
            entry["@language"].setdefault("@none", term)
    return inverse
