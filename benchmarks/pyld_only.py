"""JSON-LD written by pyld alone: the reference that compaction.py (documents) and
embedding.py (the data embedded in pages) are measured against in the benchmarks and
checked against in the tests."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any
from unittest import mock

from healthtech_lod import compaction, jsonld


class _Declines:
    """A compactor and an embedder that leave every document and every page to pyld."""

    def compact(self, *args: Any) -> dict[str, Any]:
        raise compaction.UnsupportedError("pyld writes every document")

    def frame(self, *args: Any) -> dict[str, Any]:
        raise compaction.UnsupportedError("pyld frames every page")


def documents_by_pyld() -> AbstractContextManager[Any]:
    """Within the block, ``jsonld.document`` leaves every document to pyld's compaction."""
    return mock.patch.object(jsonld, "_compactor", _Declines)


def pages_by_pyld() -> AbstractContextManager[Any]:
    """Within the block, ``jsonld.embedded`` leaves every page to pyld's framing, as it
    was before embedding.py."""
    return mock.patch.object(jsonld, "_embedder", _Declines)
