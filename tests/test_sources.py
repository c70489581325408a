"""Every source graph says only what its source says.

Each source document's text is kept in ``seeds/`` (``schema:encoding`` in
``seeds/sources.ttl``); the graph of that source is checked against that text:
the things it names, the names it spells, the dates it gives, and the
descriptions, which must be our own words.

Names are compared word by word, ignoring case, accents and punctuation; a
name counts as mentioned when all its words (short function words aside) occur
in one sentence of the text, with a light stemming that lets "pharmaceutical"
match "pharmaceutiques" or "neurology" match "neurologiques".
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterator
from functools import cache

import pytest
from rdflib import Dataset, Graph, Literal, Node, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from healthtech_lod.dataset import REPO_ROOT, load_rdflib
from healthtech_lod.namespaces import GRAPH, ID, LHT, SCHEMA, SOURCE

# --- reading text ----------------------------------------------------------------------

STOPWORDS = frozenset(
    "a an and as at by for from in into its of on or the to with "
    "au aux d de des du en et l la le les par pour sur un une "
    "am an der die das dem den des im und von zu zum zur".split()
)
MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
}  # fmt: skip


def fold(word: str) -> str:
    """Lower case without accents: ``Économie`` -> ``economie``."""
    decomposed = unicodedata.normalize("NFD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """Words and numbers apart, so that ``Fit4Start`` reads as ``Fit 4 Start``."""
    return re.findall(r"[^\W\d_]+|\d+", unicodedata.normalize("NFC", text))


def stem(word: str) -> str:
    """Seven letters are enough to tell the words of these texts apart and to let a
    noun meet its adjective or plural (``neurology``/``neurologiques``)."""
    return fold(word)[:7]


def sentences(text: str) -> list[str]:
    """Sentences, table rows and headings: what a writer states in one breath."""
    return [s for s in re.split(r"(?<=[.!?])\s+|\n|\|", text) if s.strip()]


def content_stems(name: str) -> set[str]:
    return {stem(w) for w in words(name) if fold(w) not in STOPWORDS}


def bare(name: str) -> str:
    """A name without its parenthesised qualifier: ``Strategy (2008)`` -> ``Strategy``."""
    return re.sub(r"\s*\([^)]*\)", "", name).strip()


@cache
def source_text(document: URIRef) -> str:
    sources = dataset().graph(GRAPH["sources"])
    encoding = sources.value(document, SCHEMA.encoding)
    assert encoding is not None, f"{document} has no schema:encoding"
    return (REPO_ROOT / "seeds" / str(encoding).rsplit("/", 1)[-1]).read_text(encoding="utf-8")


@cache
def sentence_stems(document: URIRef) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(stem(w) for w in words(s)) for s in sentences(source_text(document)))


def close_together(wanted: set[str], found: tuple[str, ...]) -> bool:
    """Whether ``found`` holds every stem of ``wanted`` within a few words of each other
    (``the ICT track of the Fit 4 Start`` holds ``Fit 4 Start ICT track``)."""
    width = 2 * len(wanted) + 2
    for start, word in enumerate(found):
        if word in wanted and wanted <= set(found[start : start + width]):
            return True
    return False


def says(document: URIRef, name: str) -> bool:
    """Whether one sentence of the document holds every word of ``name``, close together."""
    wanted = content_stems(bare(name))
    return bool(wanted) and any(close_together(wanted, found) for found in sentence_stems(document))


def has_phrase(text: str, name: str) -> bool:
    """Whether ``text`` holds ``name`` as consecutive words (case and accents aside)."""
    target = [fold(w) for w in words(name)]
    found = [fold(w) for w in words(text)]
    n = len(target)
    return n > 0 and any(found[i : i + n] == target for i in range(len(found) - n + 1))


# --- the dataset -----------------------------------------------------------------------


@cache
def dataset() -> Dataset:
    return load_rdflib(REPO_ROOT)


@cache
def union() -> Graph:
    g = Graph()
    for s, p, o, _ in dataset().quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def documents() -> list[URIRef]:
    sources = dataset().graph(GRAPH["sources"])
    return sorted(URIRef(s) for s in sources.subjects(RDF.type, LHT.SourceDocument))


def graph_of(document: URIRef) -> Graph:
    return dataset().graph(GRAPH[document[len(SOURCE) :]])


def language_of(document: URIRef) -> str:
    return str(dataset().graph(GRAPH["sources"]).value(document, DCTERMS.language))


def slug(node: Node) -> str:
    return str(node).removeprefix(str(ID))


DOCUMENTS = [pytest.param(d, id=d[len(SOURCE) :]) for d in documents()]

# Kinds of things that have a name of their own, which the source must use. Observations,
# milestones, participations, positions, events, mappings and selections are labelled by
# us after what the source states about them: no test can look for their label.
NAMED = {
    LHT[name]
    for name in (
        "Company ResearchInstitute University Hospital PublicBody OrganisationalUnit Cluster "
        "Consortium InvestmentFund DataInfrastructure Person Place Facility SupportProgramme "
        "ResearchProject Cohort Award Product MedicalDevice Strategy ProgrammeEdition"
    ).split()
}
# Concepts of these schemes describe the data (what a figure measures, how a source
# qualifies it), not something a source names.
OWN_SCHEMES = {ID["measures"], ID["value-qualifiers"], ID["document-kinds"]}
NAME_PROPERTIES = (
    RDFS.label,
    SKOS.prefLabel,
    SKOS.altLabel,
    SCHEMA.alternateName,
    LHT.expandedName,
)

# Places a source names by their adjective only ("marché européen", "géant japonais").
ADJECTIVES: dict[str, tuple[str, ...]] = {
    "europe": ("européen", "European"),
    "asia": ("asiatique", "Asian"),
    "japan": ("japonais", "Japanese"),
}

# Things a source names without any of their names, each read by a person and kept with
# the reason; this list stays short or the test says nothing.
NAMED_OTHERWISE: dict[tuple[str, str], str] = {
    ("government-of-luxembourg", "health-technologies-conference-2020"): (
        "named through Étienne Schneider's office of Deputy Prime Minister"
    ),
    ("ministry-of-health", "health-technologies-conference-2020"): (
        "named through Étienne Schneider's office of Minister of Health"
    ),
    ("government-of-luxembourg", "biohealth-cluster-2018"): (
        "'the government's strategy … for the development of the Luxembourg economy'"
    ),
    ("venture-capital", "pioneers-2026"): (
        "the article presents Catalpa Ventures as an early-stage investment fund"
    ),
    ("hospital-care", "pioneers-2026"): (
        "the article presents the Hôpitaux Robert Schuman as a hospital group at work in care"
    ),
}


def names(node: Node) -> Iterator[str]:
    for prop in NAME_PROPERTIES:
        for value in union().objects(node, prop):
            yield str(value)
    yield from ADJECTIVES.get(slug(node), ())


def subjects_sourced(document: URIRef) -> list[URIRef]:
    g = graph_of(document)
    return sorted(URIRef(s) for s in set(g.subjects(DCTERMS.source, document)))


def is_named(node: URIRef) -> bool:
    types = set(union().objects(node, RDF.type))
    if types & NAMED:
        return True
    return SKOS.Concept in types and not set(union().objects(node, SKOS.inScheme)) & OWN_SCHEMES


def mentioned(node: URIRef, document: URIRef) -> bool:
    if any(says(document, name) for name in names(node)):
        return True
    # A product the source leaves unnamed is recognised by its maker.
    makers = union().objects(node, SCHEMA.manufacturer)
    types = set(union().objects(node, RDF.type))
    return bool(types & {LHT.Product, LHT.MedicalDevice}) and any(
        says(document, name) for maker in makers for name in names(maker)
    )


# --- what a source names ---------------------------------------------------------------


@pytest.mark.parametrize("document", DOCUMENTS)
def test_a_source_is_cited_only_for_what_it_names(document: URIRef) -> None:
    """dcterms:source in a source's graph means the source names the thing: a cluster
    that a text never names is not sourced to it (issue 16, defect 1)."""
    unnamed = [
        slug(node)
        for node in subjects_sourced(document)
        if is_named(node)
        and (slug(node), document[len(SOURCE) :]) not in NAMED_OTHERWISE
        and not mentioned(node, document)
    ]
    assert unnamed == [], f"{document[len(SOURCE) :]} names none of these: {unnamed}"


def test_every_exception_is_still_needed() -> None:
    for (thing, document), reason in NAMED_OTHERWISE.items():
        node, doc = ID[thing], SOURCE[document]
        assert (node, DCTERMS.source, doc) in graph_of(doc), f"{thing}: {reason}"
        assert not mentioned(node, doc), f"{thing} is named by {document}: drop the exception"


@pytest.mark.parametrize("document", DOCUMENTS)
def test_alternate_names_are_the_sources_own(document: URIRef) -> None:
    """An alternate name in the source's language is a name the source writes; an
    acronym no source uses (``D4H``, issue 16, defect 4) has no place there."""
    text = source_text(document)
    invented = [
        (slug(s), str(o))
        for s, o in graph_of(document).subject_objects(SCHEMA.alternateName)
        if isinstance(o, Literal)
        and o.language in (None, language_of(document))
        and not has_phrase(text, str(o))
    ]
    assert invented == [], f"alternate names {document[len(SOURCE) :]} never writes: {invented}"


@pytest.mark.parametrize("document", DOCUMENTS)
def test_labels_in_the_source_language_are_names_a_source_uses(document: URIRef) -> None:
    """A named thing's label in the language of the source is a name that some source
    uses: no expansion of an acronym (FNR), no prefix a source does not write
    ("Luxembourg ICT Cluster"), no name made of two sources' names (issue 16, defect 10)."""
    lang = language_of(document)
    made_up = []
    for node in subjects_sourced(document):
        types = set(union().objects(node, RDF.type))
        # Concepts and places are named in our own reference data; a product may be
        # one the source leaves unnamed.
        if not is_named(node) or types & {SKOS.Concept, LHT.Place, LHT.Product, LHT.MedicalDevice}:
            continue
        if (slug(node), document[len(SOURCE) :]) in NAMED_OTHERWISE:
            continue
        for label in graph_of(document).objects(node, RDFS.label):
            if isinstance(label, Literal) and label.language == lang:
                if not any(says(other, str(label)) for other in documents()):
                    made_up.append((slug(node), str(label)))
    assert made_up == [], f"labels no source writes: {made_up}"


def spellings(text: str, name: str) -> Iterator[list[str]]:
    """The text's own spellings of ``name`` wherever it occurs (case and accents aside)."""
    target = [fold(w) for w in words(name)]
    original = words(text)
    folded = [fold(w) for w in original]
    n = len(target)
    for i in range(len(folded) - n + 1):
        if folded[i : i + n] == target:
            yield original[i : i + n]


@cache
def written_words() -> frozenset[str]:
    """Every word as some source writes it, its first letter aside."""
    return frozenset(w[1:] for d in documents() for w in words(source_text(d)))


@pytest.mark.parametrize("document", DOCUMENTS)
def test_names_are_spelt_as_the_source_spells_them(document: URIRef) -> None:
    """Where the text writes a name, the data writes each of its words as a source does
    (``Meluxina``, not ``MeluXina``); a word's first letter may differ in case or accent,
    as titles and sentences require, and where sources spell a word differently
    (``Healthtech``, ``HealthTech``) either spelling will do (issue 16, defect 10)."""
    text = source_text(document)
    respelt = []
    for node in subjects_sourced(document):
        for prop in (RDFS.label, SCHEMA.alternateName):
            for name in graph_of(document).objects(node, prop):
                for theirs in spellings(text, str(name)):
                    ours = words(str(name))
                    odd = [w for w, v in zip(ours, theirs, strict=True) if w[1:] != v[1:]]
                    if any(w[1:] not in written_words() for w in odd):
                        respelt.append((slug(node), str(name), " ".join(theirs)))
    assert respelt == [], f"names spelt otherwise than in {document[len(SOURCE) :]}: {respelt}"


# --- what a source dates ---------------------------------------------------------------

DATE_TYPES = {XSD.gYear, XSD.gYearMonth, XSD.date, XSD.gMonthDay}


def dates(g: Graph) -> Iterator[tuple[Node, Node, Literal]]:
    for s, p, o in g:
        if isinstance(o, Literal) and o.datatype in DATE_TYPES:
            yield s, p, o


def day_and_month_near_year(text: str, value: str) -> bool:
    """Whether the text gives this day (or month) with its year in the same sentence or
    the one before it: ``5 March`` after ``2018 began with…``, ``20 January`` in the
    sentence of ``… Luxembourg 2020``."""
    year, month, day = (value.split("-") + [""] * 3)[:3]
    said = sentences(text)
    for i, sentence in enumerate(said):
        folded = [fold(w) for w in words(sentence)]
        for j, word in enumerate(folded):
            if MONTHS.get(word) != int(month):
                continue
            if day and day.lstrip("0") not in (folded[j - 1 : j] + folded[j + 1 : j + 2]):
                continue
            nearby = " ".join(said[max(0, i - 1) : i + 1])
            if re.search(rf"\b{year}\b", nearby):
                return True
    return False


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_date_is_one_the_source_gives(document: URIRef) -> None:
    """A year is in the text; a day or month comes with its year in the same sentence or
    the one before. ``15 January`` given without a year stays a month and day
    (xsd:gMonthDay), not a date completed from another source (issue 16, defect 3)."""
    text = source_text(document)
    guessed = []
    for s, p, o in dates(graph_of(document)):
        value = str(o)
        if o.datatype == XSD.gMonthDay:
            month, day = value[2:].split("-")
            ok = any(
                MONTHS.get(fold(w)) == int(month) and day.lstrip("0") in [fold(x) for x in ws]
                for ws in (words(sent) for sent in sentences(text))
                for w in ws
            )
        elif o.datatype == XSD.gYear:
            ok = re.search(rf"\b{value}\b", text) is not None
        else:
            ok = day_and_month_near_year(text, value)
        if not ok:
            guessed.append((slug(s), str(p).rsplit("/", 1)[-1].rsplit("#", 1)[-1], value))
    assert guessed == [], f"dates {document[len(SOURCE) :]} does not give: {guessed}"


# --- the records of the sources themselves ---------------------------------------------


@pytest.mark.parametrize("document", DOCUMENTS)
def test_a_title_is_one_the_document_shows(document: URIRef) -> None:
    """dcterms:title is a line of the document itself: a page without a heading has no
    title, and never another page's heading (issue 16, defect 6)."""
    lines = {line.strip() for line in source_text(document).splitlines()}
    for title in dataset().graph(GRAPH["sources"]).objects(document, DCTERMS.title):
        assert str(title) in lines, f"{document} shows no title {str(title)!r}"


@pytest.mark.parametrize("document", DOCUMENTS)
def test_a_publisher_is_one_the_document_names(document: URIRef) -> None:
    sources = dataset().graph(GRAPH["sources"])
    for publisher in sources.objects(document, DCTERMS.publisher):
        assert any(says(document, name) for name in names(publisher)), (
            f"{document} does not name its publisher {publisher}"
        )


# --- our own words ---------------------------------------------------------------------

DESCRIPTIONS = (SCHEMA.description, SKOS.definition, RDFS.comment)
OWN_GRAPHS = {"ontology"}  # the vocabulary's comments are checked with the vocabulary


FUNCTION_WORDS = frozenset(
    "also been from have into more that than their there these they this those which with "
    "were will while aussi avec dans elle elles entre leur leurs mais nous plus pour sans "
    "sont cette dont être auch dass eine einem einen einer eines nach oder sich sind über "
    "durch werden wird".split()
)


def own_words(text: str) -> list[str]:
    """The words a writer chooses: lower-case words of more than three letters that are
    not function words (names and figures are the same in any faithful retelling)."""
    return [
        fold(w)
        for w in words(text)
        if w[:1].islower() and len(w) > 3 and fold(w) not in FUNCTION_WORDS
    ]


@cache
def source_sentences() -> tuple[tuple[str, tuple[str, ...]], ...]:
    found = []
    for document in documents():
        for sentence in sentences(source_text(document)):
            chosen = own_words(sentence)
            if len(chosen) >= 3:
                found.append((sentence, tuple(chosen)))
    return tuple(found)


def descriptions() -> Iterator[tuple[str, str, Literal]]:
    for s, p, o, g in dataset().quads((None, None, None, None)):
        graph = str(g).rsplit("/", 1)[-1]
        if p in DESCRIPTIONS and isinstance(o, Literal) and graph not in OWN_GRAPHS:
            yield graph, slug(s), o


def test_descriptions_do_not_copy_a_source_sentence() -> None:
    """Facts carry over, sentences do not: in every language (English, French, German),
    no sentence of a description shares a run of five chosen words with a sentence of a
    source, nor follows one word for word with a few words changed (issue 16, defect 12)."""
    copied = []
    for graph, thing, description in descriptions():
        for sentence in re.split(r"(?<=[.;:!?])\s+", str(description)):
            ours = own_words(sentence)
            if len(ours) < 3:
                continue
            for theirs_text, theirs in source_sentences():
                match = difflib.SequenceMatcher(None, ours, theirs, autojunk=False)
                run = match.find_longest_match(0, len(ours), 0, len(theirs)).size
                if run >= 5 or (len(ours) >= 8 and match.ratio() >= 0.55):
                    copied.append(
                        f"{graph} {thing}@{description.language}: {sentence!r} ~ {theirs_text!r}"
                    )
    assert copied == [], "\n".join(copied)
