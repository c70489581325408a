"""Research and events news (``synthetic-research-news``): research projects and their
partners, milestones, events."""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox

from .ecosystem import SLUG_PREFIX, Ecosystem, Org, Project
from .register import partnership
from .sources import SourceGraph, entity
from .terms import L, Progress, S, Statement, X, id_, year_
from .words import EVENT_THEMES, MILESTONE_KINDS, slugify


def _project(eco: Ecosystem, g: SourceGraph, project: Project) -> Iterator[Statement]:
    rng, s, ref = eco.rng("project-facts", project.index), id_(project.slug), eco.reference
    area = rng.choice(ref.schemes["clinical-areas"])
    techs = rng.sample(ref.schemes["technologies"], rng.randint(1, 2))
    what = ("patient cohort", "Cohorte de patients") if project.cohort else (
        "research project", "Projet de recherche")  # fmt: skip
    yield from entity(
        g, s, (L["Cohort"] if project.cohort else L["ResearchProject"],), "project",
        acronym=project.acronym, what_en=what[0], what_fr=what[1], area_en=area.en,
        area_fr=area.fr, start=project.start,
    )  # fmt: skip
    if project.funder is None:
        yield s, S["funder"], g.real_org("ministry-of-the-economy")
    else:
        yield s, S["funder"], g.mention("org", eco.org(project.funder).iri, project.funder)
    yield s, S["startDate"], year_(project.start)
    yield s, S["endDate"], year_(project.start + rng.randint(2, 6))
    yield from g.concepts(s, "clinicalArea", (area,))
    yield from g.concepts(s, "technology", techs)


def _milestones(eco: Ecosystem, g: SourceGraph, org: Org) -> Iterator[Statement]:
    rng, town = org.rng, eco.towns[org.town]
    names = {"org_en": org.label_en, "org_fr": org.label_fr}
    if org.kind.founded and rng.random() < 0.7:
        m = id_(f"{org.slug}-founding-{org.founded}")
        yield from entity(g, m, (L["Milestone"],), "founding", **names, year=org.founded,
                           town=town.name)  # fmt: skip
        yield m, S["about"], g.mention("org", org.iri, org.index)
        yield m, S["startDate"], year_(org.founded)
        yield m, S["location"], g.mention("town", id_(town.slug), town.index)
    if rng.random() < 0.3:
        (what_en, what_fr), year = rng.choice(MILESTONE_KINDS), rng.randint(org.founded, 2030)
        m = id_(f"{org.slug}-{slugify(what_en)}-{year}")
        yield from entity(g, m, (L["Milestone"],), "milestone", **names, year=year,
                           what_en=what_en, what_fr=what_fr)  # fmt: skip
        yield m, S["about"], g.mention("org", org.iri, org.index)
        yield m, S["startDate"], year_(year)


def _event(eco: Ecosystem, g: SourceGraph, org: Org) -> Iterator[Statement]:
    rng, town = org.rng, eco.towns[org.town]
    (theme_en, theme_fr), year = rng.choice(EVENT_THEMES), rng.randint(max(org.founded, 2010), 2026)
    s = id_(f"{SLUG_PREFIX}-{slugify(town.name)}-{slugify(theme_en)}-{year}-{org.index}")
    attendees = rng.randrange(40, 800, 10)
    yield from entity(
        g, s, (L["Event"],), "event", town=town.name, theme_en=theme_en, theme_fr=theme_fr,
        year=year, org_en=org.label_en, org_fr=org.label_fr, attendees=attendees,
    )  # fmt: skip
    date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    yield s, S["startDate"], ox.Literal(date, datatype=X["date"])
    yield s, S["location"], g.mention("town", id_(town.slug), town.index)
    yield s, S["organizer"], g.mention("org", org.iri, org.index)
    if org.persons:
        yield s, S["performer"], g.mention("person", id_(org.persons[0].slug), org.index, 0)
    yield from g.concepts(
        s, "activityField", (rng.choice(eco.reference.schemes["activity-fields"]),)
    )
    yield s, L["attendeeCount"], ox.Literal(attendees)
    yield s, L["companyRepresentativeCount"], ox.Literal(attendees * rng.randint(30, 80) // 100)


def _news(eco: Ecosystem, g: SourceGraph, org: Org) -> Iterator[Statement]:
    yield from _milestones(eco, g, org)
    if org.rng.random() < 0.35:
        project = org.rng.choice(eco.projects)
        yield id_(project.slug), partnership(org), g.mention("org", org.iri, org.index)
    if org.rng.random() < 0.08:
        yield from _event(eco, g, org)


def research_news(eco: Ecosystem, g: SourceGraph, progress: Progress) -> Iterator[Statement]:
    for project in eco.projects:
        yield from _project(eco, g, project)
    for index in range(eco.size):
        yield from _news(eco, g, eco.org(index))
        progress()
