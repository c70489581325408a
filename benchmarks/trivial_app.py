"""The framework's limit: a trivial Flask route, for the dereferencing benchmark.

``GET /doc/<slug>`` answers a constant Turtle text of a few hundred bytes, whatever the slug
and the ``Accept`` header: routing, a Response and gunicorn, nothing else. The benchmarks
serve it with gunicorn in the service's own configuration (its front, front.BufferingWorker,
the same worker and thread counts, the same bind address)::

    .venv/bin/gunicorn --chdir benchmarks -k healthtech_lod.front.BufferingWorker -w 2 \\
        --threads 4 -b 127.0.0.1:8081 trivial_app:app
"""

from __future__ import annotations

from flask import Flask, Response

BODY = (
    b"@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    b"@prefix schema: <https://schema.org/> .\n\n"
    b"<https://w3id.org/lu-healthtech/id/example> a schema:Organization ;\n"
    b'    rdfs:label "Example"@en , "Exemple"@fr ;\n'
    b'    schema:description "A constant document: the trivial route of the benchmarks."@en .\n'
)

app = Flask(__name__)


@app.get("/doc/<slug>")
def document(slug: str) -> Response:
    return Response(BODY, mimetype="text/turtle")


@app.get("/health")
def health() -> Response:
    return Response(b"ok\n", mimetype="text/plain")
