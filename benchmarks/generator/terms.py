"""The RDF terms the generator writes: every class and property, as pyoxigraph terms, and
the literals and entity IRIs it makes."""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox

from healthtech_lod.namespaces import DCTERMS, ID, LHT, RDF, RDFS, SCHEMA, XSD

Subject = ox.NamedNode | ox.BlankNode
Statement = tuple[Subject, ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]
Progress = Callable[[], None]


def _terms(namespace: object, names: str) -> dict[str, ox.NamedNode]:
    return {name: ox.NamedNode(f"{namespace}{name}") for name in names.split()}


# Every property and class used, as pyoxigraph terms.
TYPE = ox.NamedNode(str(RDF.type))
LABEL = ox.NamedNode(str(RDFS.label))
SOURCE_OF = ox.NamedNode(str(DCTERMS.source))
D = _terms(DCTERMS, "language modified title")
S = _terms(
    SCHEMA,
    "description alternateName foundingDate foundingLocation location containedInPlace "
    "areaServed parentOrganization memberOf funder provider organizer author contributor "
    "manufacturer performer about superEvent isBasedOn startDate endDate roleName encoding "
    "observationAbout value unitCode unitText floorSize currency minValue maxValue "
    "City WebPage Article NewsArticle QuantitativeValue MonetaryAmount",
)
L = _terms(
    LHT,
    "technology clinicalArea activityField targetMarket collaboratesWith partner participant "
    "initiative award awardedBy holder organisation edition mapping measure valueQualifier "
    "referenceYear periodStart inaugurationDate residentCompanyCount attendeeCount attestedOn "
    "companyRepresentativeCount fundSize investmentTarget investmentPeriod documentKind "
    "Company ResearchInstitute University Hospital PublicBody OrganisationalUnit Cluster "
    "Consortium InvestmentFund DataInfrastructure Place Facility Product MedicalDevice Person "
    "Position SupportProgramme ProgrammeEdition Award Participation ResearchProject Cohort "
    "Event Milestone Sector SectorMapping Observation SourceDocument",
)
X = _terms(XSD, "gYear date decimal")


def id_(slug: str) -> ox.NamedNode:
    return ox.NamedNode(f"{ID}{slug}")


def en(text: str) -> ox.Literal:
    return ox.Literal(text, language="en")


def fr(text: str) -> ox.Literal:
    return ox.Literal(text, language="fr")


def year_(year: int) -> ox.Literal:
    return ox.Literal(str(year), datatype=X["gYear"])


def decimal(value: float, places: int) -> ox.Literal:
    return ox.Literal(f"{value:.{places}f}", datatype=X["decimal"])
