"""Names in their normal form, and how close two names are: the text side of matching
(``matching.py``), free of the data.

A name is compared in a normal form (``Name``): folded for case and accents
(``name_index.fold``), dots and colons inside words dropped (``S.A.`` is ``sa``,
``HE:AL`` is ``heal``), split into words at any other punctuation and between
letters and digits (``Fit4Start`` is ``fit 4 start``), a legal form at the end
dropped (``SA``, ``S.à r.l.``, ``GmbH``, ``Ltd``, ``Inc.``, ``ASBL``), and the small
words of English, French and German (``of``, ``du``, ``für``) left out of the
comparison. Two names are close when their words are close one by one (letter
pairs in common, so a missing or doubled letter costs little), when they are
the same once spaces are removed (``Voice Med``, ``Dataspace4Health``), or when
one is the initials of the other (``LNDS``). Words that many names share
(``Luxembourg``, ``health``, ``institute``) weigh less than the others.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from .name_index import fold

# --- names in their normal form ------------------------------------------------------

#: Letters that Unicode does not decompose into a base letter and an accent.
LETTERS = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th"})
#: Dropped inside words: S.A. is "sa", HE:AL is "heal".
JOINERS = re.compile(r"[.:·]")
#: Words: runs of letters, or of digits.
WORD = re.compile(r"[^\W\d_]+|\d+")
#: Legal forms, as words once dots are dropped; removed from the end of a name.
LEGAL_FORMS = frozenset(
    tuple(form.split())
    for form in (
        # Luxembourg, France, Belgium
        "sa",
        "s a",
        "sarl",
        "sa rl",
        "s a r l",
        "sas",
        "sasu",
        "sca",
        "scs",
        "secs",
        "sc",
        "scrl",
        "sprl",
        "srl",
        "snc",
        "se",
        "asbl",
        "a s b l",
        "sa rl s",
        "sarls",
        "scsp",
        "sicav",
        "sicar",
        "gie",
        # Germany, Austria, Switzerland
        "gmbh",
        "mbh",
        "ag",
        "kg",
        "ohg",
        "ug",
        "gbr",
        "kgaa",
        "ev",
        "e v",
        "eg",
        "gmbh and co kg",
        "and co kg",
        "co kg",
        # English-speaking countries
        "ltd",
        "limited",
        "plc",
        "llc",
        "llp",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "and co",
        # elsewhere in Europe
        "bv",
        "nv",
        "ab",
        "oy",
        "as",
        "aps",
        "spa",
        "sl",
        "lda",
    )
)
LONGEST_FORM = max(len(form) for form in LEGAL_FORMS)
#: Small words of English, French and German, left out of comparisons.
STOPWORDS = frozenset(
    """a an and at by for in of on the to with
    au aux d de des du en et l la le les pour sur
    am bei das dem den der die fur im mit und vom von zu zum zur""".split()
)
#: Words so common in this dataset's names that they tell little apart.
GENERIC = frozenset(
    """luxembourg luxemburg letzebuerg lux grand duchy
    health sante gesundheit medical medicale medizin
    centre center zentrum institute institut national nationale international
    group groupe gruppe europe european europeen europaische
    service services solutions technology technologies technologie""".split()
)
GENERIC_WEIGHT = 0.4
#: Two words closer than this count as the same word (misspelt); below, as different.
SAME_WORD = 0.7
#: A word of at least this many letters may stand for a longer one it begins
#: ("univ" for "university").
ABBREVIATION = 4


@dataclass(frozen=True)
class Name:
    """A name in its normal form."""

    text: str
    #: Every word, the legal form removed.
    words: tuple[str, ...]
    #: The words compared (the small words left out, unless nothing else is left).
    content: tuple[str, ...]

    @property
    def compact(self) -> str:
        """The compared words without spaces: ``Voice Med`` and ``VoiceMed`` agree."""
        return "".join(self.content)

    @property
    def initials(self) -> str:
        """The first letters of the compared words, for names of several words."""
        return "".join(w[0] for w in self.content) if len(self.content) > 1 else ""


@lru_cache(maxsize=65536)
def normalise(text: str) -> Name:
    """``text`` in its normal form (see the module's docstring)."""
    folded = fold(text).translate(LETTERS).replace("&", " and ")
    words = tuple(WORD.findall(JOINERS.sub("", folded)))
    words = strip_legal_form(words)
    content = tuple(w for w in words if w not in STOPWORDS) or words
    return Name(text, words, content)


def strip_legal_form(words: tuple[str, ...]) -> tuple[str, ...]:
    """``words`` without the legal forms that end them (``GmbH & Co. KG`` too);
    a name that is only a legal form is kept."""
    changed = True
    while changed:
        changed = False
        for size in range(min(LONGEST_FORM, len(words) - 1), 0, -1):
            if words[-size:] in LEGAL_FORMS:
                words = words[:-size]
                changed = True
                break
    return words


def variants(text: str) -> list[str]:
    """The ways a query may name one thing: as written, and for ``Luxembourg Institute
    of Health (LIH)`` also without the part in brackets and that part alone."""
    found = [text]
    inner = re.findall(r"\(([^()]*)\)", text)
    if inner:
        found.append(re.sub(r"\([^()]*\)", " ", text))
        found.extend(inner)
    return [v for v in found if v.strip()]


# --- how close two names are -------------------------------------------------------------


@lru_cache(maxsize=65536)
def _pairs(word: str) -> frozenset[str]:
    padded = f"^{word}$"
    return frozenset(padded[i : i + 2] for i in range(len(padded) - 1))


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 0.0


@lru_cache(maxsize=262144)
def word_similarity(a: str, b: str) -> float:
    """How alike two words are, 0 to 1: the letter pairs they share. Numbers and words
    of one or two letters must be equal."""
    if a == b:
        return 1.0
    if a.isdigit() or b.isdigit() or min(len(a), len(b)) < 3:
        return 0.0
    similarity = _dice(_pairs(a), _pairs(b))
    short, long = sorted((a, b), key=len)
    if len(short) >= ABBREVIATION and long.startswith(short):
        similarity = max(similarity, 0.85)
    return similarity


def _weight(word: str) -> float:
    return len(word) * (GENERIC_WEIGHT if word in GENERIC else 1.0)


def _coverage(these: Sequence[str], those: Sequence[str]) -> float:
    """The share of ``these`` (weighted by length and rarity) found among ``those``."""
    total = sum(_weight(w) for w in these)
    if not total:
        return 0.0
    found = 0.0
    for word in these:
        best = max((word_similarity(word, other) for other in those), default=0.0)
        if best >= SAME_WORD:
            found += _weight(word) * best
    return found / total


def similarity(query: Name, name: Name) -> float:
    """How close ``name`` is to ``query``, 0 to 1."""
    if not query.compact or not name.compact:
        return 0.0
    if query.compact == name.compact:
        return 1.0
    forward = _coverage(query.content, name.content)
    backward = _coverage(name.content, query.content)
    words = 2 * forward * backward / (forward + backward) if forward and backward else 0.0
    letters = 0.0
    if min(len(query.compact), len(name.compact)) >= ABBREVIATION:
        letters = 0.95 * _dice(_pairs(query.compact), _pairs(name.compact))
    initials = 0.0
    if len(query.content) == 1 and len(query.compact) > 1:
        if query.compact == name.initials:
            initials = 0.85
    return max(words, letters, initials)
