"""The media-type table is the one place a media type the service writes is spelled."""

from __future__ import annotations

import ast
from pathlib import Path

import healthtech_lod
from healthtech_lod.description import FILE_TYPES
from healthtech_lod.media_types import BY_KEY, MEDIA_TYPES
from healthtech_lod.queries import GRAPH_FORMATS, RESULTS_FORMATS

PACKAGE = Path(healthtech_lod.__file__).parent


def test_no_module_spells_a_media_type_of_the_table() -> None:
    spelled = {media.mimetype for media in MEDIA_TYPES}
    found = []
    for path in sorted(PACKAGE.glob("*.py")):
        if path.name == "media_types.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Constant) and node.value in spelled:
                found.append(f"{path.name}:{node.lineno} {node.value}")
    assert not found, "read these from media_types.BY_KEY: " + ", ".join(found)


def test_the_executor_and_the_description_read_the_table() -> None:
    assert set(GRAPH_FORMATS) == {m.key for m in MEDIA_TYPES if m.rdf is not None}
    assert RESULTS_FORMATS["json"] == BY_KEY["srj"].results
    assert set(FILE_TYPES) == {BY_KEY[key].mimetype for key in GRAPH_FORMATS}
