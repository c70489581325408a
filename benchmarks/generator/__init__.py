"""A synthetic health-technology ecosystem, for benchmarking the service at scale.

From the repository root, ``python -m benchmarks.generator -n 1500 --out eco.trig`` writes
one (``__main__.py``); ``healthtech-lod build --add eco.trig`` builds it with the dataset.
It is a benchmark tool, not part of the service: the wheel does not carry it.

``write_ecosystem(path, organisations, seed=…)`` streams a made-up but realistic ecosystem
to N-Quads (``.nq``), TriG (``.trig``) or Turtle (``.ttl``, one union graph). It follows the
vocabulary and patterns of the real data (``docs/authoring.md``): organisations of every
``lht:`` organisation class (mostly companies), synthetic towns inside the real reference
places, facilities, products and medical devices, people and positions, support programmes
with editions, awards and participations, research projects with partners, events,
milestones, and yearly observations of synthetic sectors with their mappings. It links to
the real concepts and places of ``data/reference.ttl`` by their IRIs. Every label and
description exists in English and in French; together with the real dataset the output
passes the SHACL shapes.

Five synthetic source documents (``…/id/source/synthetic-…``) each fill their own named
graph (``…/graph/synthetic-…``): the description of the document itself, the entities whose
home is that source (with their descriptions), a mention (type, labels, ``dcterms:source``)
of every other entity it links to, and ``dcterms:source`` on each reference concept or place
it uses. Every entity slug starts with ``syn-`` and so never collides with a real one.

The output is streamed, one graph after the other. Each entity comes from its own random
generator, seeded with ``(seed, kind, index)``, so an organisation is recomputed whenever a
graph needs it instead of being kept: memory holds the small planned entities (towns,
programmes, projects…) and the set of entities mentioned by the graph being written, never
the triples. The same seed gives the same bytes.

Measured size: 67 statements per organisation, everything included (1 500 organisations →
99.7 k statements, 15 000 → 1.01 M, 150 000 → 10.08 M; below 200 organisations the one
sector's 800 statements weigh more). Every quad is distinct; in the union of the graphs (and
in ``.ttl`` output) an entity mentioned by several sources repeats its type, labels and
source, so a store holds about 9 % fewer distinct triples than statements written. On a
2-core machine 1 M statements take about 6 s and 10 M about 65 s, in under 100 MB.

The modules, in the order the data flows: ``terms`` (the RDF terms), ``words`` (templates
and word lists), ``reference_data`` (the real concepts and places), ``ecosystem`` (the
plan), ``sources`` (the source documents and the statements every entity has), one module
per source (``register``, ``catalogue``, ``programmes``, ``news``, ``sectors``) and
``output``.
"""

from .ecosystem import KINDS, Ecosystem, sector_count
from .output import FORMATS, progress_total, statements, write_ecosystem
from .reference_data import Reference, load_reference
from .sources import SOURCES

__all__ = [
    "FORMATS",
    "KINDS",
    "SOURCES",
    "Ecosystem",
    "Reference",
    "load_reference",
    "progress_total",
    "sector_count",
    "statements",
    "write_ecosystem",
]
