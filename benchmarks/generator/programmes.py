"""The programme report (``synthetic-programme-report``): support programmes, their
editions and awards, and participations."""

from __future__ import annotations

from collections.abc import Iterator

from .ecosystem import COMPANY, SLUG_PREFIX, Ecosystem, Org, Programme
from .sources import SourceGraph, entity
from .terms import L, Progress, S, Statement, en, fr, id_, year_


def _programme(eco: Ecosystem, g: SourceGraph, prog: Programme) -> Iterator[Statement]:
    s, funder = id_(prog.slug), eco.org(prog.funder)
    labels = {"label_en": prog.label_en, "label_fr": prog.label_fr}
    yield from entity(g, s, (L["SupportProgramme"],), "programme", **labels, start=prog.start,
                       funder_en=funder.label_en, funder_fr=funder.label_fr)  # fmt: skip
    yield s, S["funder"], g.mention("org", funder.iri, funder.index)
    if prog.provider is None:
        yield s, S["provider"], g.real_org("luxinnovation")
    else:
        yield s, S["provider"], g.mention("org", eco.org(prog.provider).iri, prog.provider)
    yield s, S["startDate"], year_(prog.start)
    for number in range(1, prog.editions + 1):
        edition, year = id_(f"{prog.slug}-{number}"), prog.start + number - 1
        yield from entity(g, edition, (L["ProgrammeEdition"],), "edition", **labels,
                           number=number, year=year)  # fmt: skip
        yield edition, S["superEvent"], s
        yield edition, S["startDate"], year_(year)
    award = id_(f"{prog.slug}-award")
    yield from entity(g, award, (L["Award"],), "award", **labels)
    yield award, L["awardedBy"], s


def _participations(eco: Ecosystem, g: SourceGraph, org: Org) -> Iterator[Statement]:
    rng = org.rng
    count = rng.choice((0, 0, 1, 1, 1, 2) if org.kind is COMPANY else (0, 0, 1))
    for prog in rng.sample(eco.programmes, min(count, len(eco.programmes))):
        number = rng.randint(1, prog.editions)
        year, won = prog.start + number - 1, rng.random() < 0.12
        if year < org.founded:
            continue
        s = id_(f"{org.slug}-{prog.slug.removeprefix(SLUG_PREFIX + '-')}-{year}")
        yield from entity(
            g, s, (L["Participation"],), "participation", number=number, year=year,
            org_en=org.label_en, org_fr=org.label_fr, prog_en=prog.label_en, prog_fr=prog.label_fr,
            won_en=" and won its award" if won else "",
            won_fr=" et en a remporté le prix" if won else "",
        )  # fmt: skip
        yield s, L["participant"], g.mention("org", org.iri, org.index)
        yield s, L["initiative"], id_(prog.slug)
        yield s, L["edition"], id_(f"{prog.slug}-{number}")
        yield s, S["roleName"], en("award winner" if won else "participant")
        yield s, S["roleName"], fr("lauréat" if won else "participant")
        yield s, S["startDate"], year_(year)
        if won:
            yield s, L["award"], id_(f"{prog.slug}-award")


def programme_report(eco: Ecosystem, g: SourceGraph, progress: Progress) -> Iterator[Statement]:
    for prog in eco.programmes:
        yield from _programme(eco, g, prog)
    for index in range(eco.size):
        yield from _participations(eco, g, eco.org(index))
        progress()
