"""The data's French and German read as French and German typography wants them.

What a test can see: elision (``d'e-santé``, not ``de e-santé``), the space before
``; : ! ?`` and inside guillemets, quotation marks of the language, figures written
the language's way (``2 500``, ``0,38 %``). What it cannot see (a missing article,
as in "afin que hôpitaux et laboratoires") is left to the reader.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from rdflib import Literal

from healthtech_lod.dataset import REPO_ROOT, load_rdflib


def literals(language: str) -> Iterator[tuple[str, str]]:
    dataset = load_rdflib(REPO_ROOT)
    for s, _, o, g in dataset.quads((None, None, None, None)):
        graph = str(g).rsplit("/", 1)[-1]
        if isinstance(o, Literal) and o.language == language and graph != "ontology":
            yield f"{graph} {str(s).rsplit('/', 1)[-1]}", str(o)


VOWEL = "aeiouyàâäéèêëîïôöùûüœæAEIOUYÀÂÉÈÊËÎÏÔÖÙÛÜŒÆ"
FRENCH_RULES = {
    # "de e-santé", "que il", "le IA": French elides before a vowel.
    "elision": re.compile(
        rf"\b(?:[Dd]e|[Qq]ue|[Ll]e|[Ll]a|[Nn]e|[Ss]e|[Jj]usque|[Ll]orsque|[Pp]uisque) [{VOWEL}]"
    ),
    "no space before ; ! ?": re.compile(r"[^\s][;!?]"),
    "no space before a colon": re.compile(r"[^\s]:(?=\s)"),
    "guillemets without spaces": re.compile(r"«\S|\S»"),
    "English quotation marks": re.compile(r"[\"“”]"),
    "English thousands separator": re.compile(r"\d,\d{3}\b"),
    "English decimal point": re.compile(r"\d\.\d"),
    "no space before %": re.compile(r"\d%"),
}
GERMAN_RULES = {
    "non-German quotation marks": re.compile(r"[\"«»”]"),
    "English thousands separator": re.compile(r"\d,\d{3}\b"),
    "English decimal point": re.compile(r"\d\.\d"),
    "no space before %": re.compile(r"\d%"),
    "no space after ; or :": re.compile(r"[;:](?=[^\s\d])(?<!HE:)"),
}


@pytest.mark.parametrize(
    ("language", "rules"), [("fr", FRENCH_RULES), ("de", GERMAN_RULES)], ids=["fr", "de"]
)
def test_typography(language: str, rules: dict[str, re.Pattern[str]]) -> None:
    found = [
        f"{where}: {rule}: …{text[max(0, m.start() - 20) : m.end() + 20]}…"
        for where, text in literals(language)
        for rule, pattern in rules.items()
        for m in pattern.finditer(text)
    ]
    assert found == [], "\n".join(found)


def test_the_rules_see_the_mistakes_they_name() -> None:
    assert FRENCH_RULES["elision"].search("l'infrastructure nationale de e-santé")
    assert not FRENCH_RULES["elision"].search(
        "l'infrastructure nationale d'e-santé, de haute tenue"
    )
    assert FRENCH_RULES["no space before ; ! ?"].search("un fonds; un campus")
    assert FRENCH_RULES["English thousands separator"].search("1,600 salariés")
    assert not FRENCH_RULES["English decimal point"].search("0,38 %")
    assert GERMAN_RULES["non-German quotation marks"].search('die "Cité des Sciences"')
    assert not GERMAN_RULES["no space after ; or :"].search("der HE:AL-Campus")
