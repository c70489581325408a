"""The W3C Reconciliation API 0.2 JSON Schemas (tests/fixtures/reconcile/schemas), for the
tests of /reconcile and of its documentation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

SCHEMAS = Path(__file__).parent / "fixtures" / "reconcile" / "schemas"


def _registry() -> tuple[Registry, dict[str, dict[str, Any]]]:
    found = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in SCHEMAS.glob("*.json")}
    resources = [Resource.from_contents(s, default_specification=DRAFT7) for s in found.values()]
    return Registry().with_resources((r.id(), r) for r in resources), found


REGISTRY, SCHEMA_FILES = _registry()


def valid(schema: str, instance: Any) -> Any:
    """``instance`` after checking it against the specification's schema ``schema``."""
    validator = Draft7Validator(SCHEMA_FILES[schema], registry=REGISTRY)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]
    assert errors == [], f"{schema}: {errors}"
    return instance
