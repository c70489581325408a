"""Programs outside Python that some tests need: found, or the test skips saying why.

A test that needs Chromium, nginx, Virtuoso or Node asks here first. On a machine
without the program the test is skipped with one line naming it and how to install
it (`pytest -rs` lists those lines). `.ci/run` installs everything and sets
``HEALTHTECH_LOD_REQUIRE_ALL=1``, under which a missing program fails the test
instead, so CI never skips silently.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REQUIRE_ALL = "HEALTHTECH_LOD_REQUIRE_ALL"

#: The npm packages of the client tests, installed by `npm ci` in this folder.
NODE_CLIENTS = Path(__file__).parent / "clients"
NPM_CI = "cd tests/clients && npm ci (.ci/run does it)"


def missing(message: str) -> None:
    """Skip the current test with ``message``, or fail it under REQUIRE_ALL=1."""
    if os.environ.get(REQUIRE_ALL) == "1":
        pytest.fail(f"{message} [{REQUIRE_ALL}=1: nothing may be skipped]", pytrace=False)
    pytest.skip(message)


def require_program(name: str, how_to_install: str) -> str:
    """The path of the program ``name`` found on PATH; else the test is skipped
    (failed under REQUIRE_ALL=1) with a line saying how to install it."""
    found = shutil.which(name)
    if found is None:
        missing(f"{name} is not on PATH: {how_to_install}")
    assert found is not None
    return found


def require_node() -> str:
    """Node's path (the client tests run their scripts with it)."""
    return require_program("node", "apt-get install -y nodejs npm (.ci/run does it)")


def require_node_package(name: str) -> Path:
    """The folder of the npm package ``name`` installed under tests/clients/,
    with Node on PATH; else skipped (failed under REQUIRE_ALL=1)."""
    require_node()
    folder = NODE_CLIENTS / "node_modules" / name
    if not (folder / "package.json").is_file():
        missing(f"the npm package {name} is not installed: {NPM_CI}")
    return folder
