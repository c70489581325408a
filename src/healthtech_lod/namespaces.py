"""Every namespace of the project, defined once."""

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, RDFS, SH, SKOS, VOID, XSD

BASE = "https://w3id.org/lu-healthtech/"

ID = Namespace(BASE + "id/")
SOURCE = Namespace(BASE + "id/source/")
GRAPH = Namespace(BASE + "graph/")
LHT = Namespace(BASE + "def#")
SCHEMA = Namespace("https://schema.org/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")

ONTOLOGY = Namespace(BASE + "def")
DATASET = ID["dataset"]

PREFIXES: dict[str, str] = {
    "": str(ID),
    "lht": str(LHT),
    "schema": str(SCHEMA),
    "dcterms": str(DCTERMS),
    "skos": str(SKOS),
    "rdfs": str(RDFS),
    "rdf": str(RDF),
    "owl": str(OWL),
    "xsd": str(XSD),
    "sh": str(SH),
    "dcat": str(DCAT),
    "void": str(VOID),
    "src": str(SOURCE),
    "graph": str(GRAPH),
    "foaf": str(FOAF),
}

__all__ = [
    "BASE",
    "DATASET",
    "DCAT",
    "DCTERMS",
    "FOAF",
    "GRAPH",
    "ID",
    "LHT",
    "ONTOLOGY",
    "OWL",
    "PREFIXES",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SD",
    "SH",
    "SKOS",
    "SOURCE",
    "VOID",
    "XSD",
]
