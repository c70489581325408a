"""The catalogue (``synthetic-product-catalogue``): products and medical devices."""

from __future__ import annotations

from collections.abc import Iterator

from .ecosystem import COMPANY, Ecosystem, Org
from .sources import SourceGraph, entity
from .terms import L, Progress, S, Statement, id_
from .words import PRODUCT_NOUNS, lists, slugify


def _products(eco: Ecosystem, g: SourceGraph, org: Org) -> Iterator[Statement]:
    rng, ref = org.rng, eco.reference
    for noun_en, noun_fr in rng.sample(PRODUCT_NOUNS, rng.choice(org.kind.products)):
        s = id_(f"{org.slug}-{slugify(noun_en)}")
        device = org.kind is COMPANY and rng.random() < 0.4
        techs = rng.sample(ref.schemes["technologies"], rng.randint(1, 2))
        areas = rng.sample(ref.schemes["clinical-areas"], rng.choice((0, 1)))
        yield from entity(
            g, s, (L["MedicalDevice"] if device else L["Product"],), "product",
            brand=org.label_en.split(" ")[0], noun_en=noun_en, noun_fr=noun_fr,
            what_en="Medical device" if device else "Product",
            what_fr="Dispositif médical" if device else "Produit",
            org_en=org.label_en, org_fr=org.label_fr,
            **lists("techs", techs),
        )  # fmt: skip
        yield s, S["manufacturer"], g.mention("org", org.iri, org.index)
        yield from g.concepts(s, "technology", techs)
        yield from g.concepts(s, "clinicalArea", areas)


def catalogue(eco: Ecosystem, g: SourceGraph, progress: Progress) -> Iterator[Statement]:
    for index in range(eco.size):
        yield from _products(eco, g, eco.org(index))
        progress()
