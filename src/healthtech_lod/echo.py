"""How much of what a client sent an error message repeats.

A message that names the client's input (a header, a parameter, an IRI, a JSON
key) quotes at most its first QUOTE_LENGTH characters, marked as cut with "…":
enough to recognise it, never the whole of a 100 KB header or form field echoed
back (docs/reliability.md). ``errors.handle`` also cuts any message past
DETAIL_LENGTH, for the messages built from what other code reports (a parser's
or a refusal's, which may quote the query).
"""

from __future__ import annotations

#: Characters of a client's value an error message quotes at most.
QUOTE_LENGTH = 200
#: Characters of an error message at most.
DETAIL_LENGTH = 1000

ELLIPSIS = "…"


def quote(value: object, length: int = QUOTE_LENGTH) -> str:
    """``value`` as text, cut to its first ``length`` characters and "…" if longer."""
    text = str(value)
    return text if len(text) <= length else text[:length] + ELLIPSIS
