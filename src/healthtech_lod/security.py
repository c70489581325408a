"""Browser safety headers on every response.

Pages load only this host's own style sheet and script files: the
Content-Security-Policy forbids inline and foreign scripts and styles, plugins,
framing by other sites, and forms posting elsewhere. (The JSON-LD a page embeds
is a ``<script type="application/ld+json">`` data block, which browsers never
run.) ``nosniff`` stops a browser from guessing that a Turtle or CSV answer is a
page; ``Referrer-Policy`` keeps query texts in URLs from leaking to other sites.
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
#: The same policy for what other sites may show in a frame: the reconciliation
#: service's previews, which OpenRefine shows in an iframe. A response that sets it
#: gets no X-Frame-Options.
FRAMEABLE_POLICY = CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", "frame-ancestors *")
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


_LOWER = {name: name.lower() for name in HEADERS}


def add_headers(response: Response) -> Response:
    """Add each of HEADERS the response does not set itself (one look at its headers,
    not one per name: this runs on every response)."""
    present = {name.lower(): value for name, value in response.headers.items()}
    frameable = present.get("content-security-policy") == FRAMEABLE_POLICY
    for name, value in HEADERS.items():
        if _LOWER[name] not in present and not (frameable and name == "X-Frame-Options"):
            response.headers.add(name, value)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_headers)
