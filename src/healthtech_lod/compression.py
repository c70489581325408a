"""Compressed answers for clients that ask for them (``Accept-Encoding: gzip``).

Flask-Compress does the work (a well-kept extension: it chooses the encoding from
``Accept-Encoding``, adds ``Vary: Accept-Encoding``, gives a compressed answer its
own ETag and keeps conditional requests working). What this module decides:

- which media types are compressed: every format of the negotiation table (RDF,
  SPARQL results, HTML, JSON, text) and XML;
- gzip only, the encoding every client reads;
- files sent from disk (the downloads, the static style and script) are left as
  they are: they are streamed, answer ``Range`` requests, and the dumps come
  ready-gzipped as ``*.gz`` variants, which are never compressed twice
  (``application/gzip`` is not in the list).
"""

from __future__ import annotations

from flask import Flask
from flask_compress import Compress

from .media_types import MEDIA_TYPES

#: Media types written here that are worth compressing.
COMPRESSED = (*(m.mimetype for m in MEDIA_TYPES), "application/xml")


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", list(COMPRESSED))
    app.config.setdefault("COMPRESS_ALGORITHM", ["gzip"])
    app.config.setdefault("COMPRESS_STREAMS", False)
    Compress(app)
