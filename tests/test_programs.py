"""Tests that need a program outside Python skip without it, saying how to install it,
and fail instead under HEALTHTECH_LOD_REQUIRE_ALL=1 (what `.ci/run` sets)."""

from __future__ import annotations

from pathlib import Path

import pytest
from programs import REQUIRE_ALL, require_node_package, require_program


@pytest.fixture
def bin_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PATH holding one folder with one executable, ``tool``."""
    tool = tmp_path / "tool"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(REQUIRE_ALL, raising=False)
    return tmp_path


def test_a_program_on_path_is_found(bin_folder: Path) -> None:
    assert require_program("tool", "never said") == str(bin_folder / "tool")


def test_a_missing_program_skips_naming_it_and_how_to_install_it(bin_folder: Path) -> None:
    with pytest.raises(pytest.skip.Exception) as skipped:
        require_program("nginx", "apt-get install -y nginx-light")
    assert str(skipped.value) == "nginx is not on PATH: apt-get install -y nginx-light"


def test_require_all_turns_a_missing_program_into_a_failure(
    bin_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(REQUIRE_ALL, "1")
    with pytest.raises(pytest.fail.Exception) as failed:
        require_program("nginx", "apt-get install -y nginx-light")
    assert "nginx is not on PATH: apt-get install -y nginx-light" in str(failed.value)
    assert f"{REQUIRE_ALL}=1" in str(failed.value)


def test_a_missing_npm_package_skips_naming_npm_ci(
    bin_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (bin_folder / "tool").rename(bin_folder / "node")
    with pytest.raises(pytest.skip.Exception) as skipped:
        require_node_package("no-such-package-here")
    assert "no-such-package-here" in str(skipped.value)
    assert "npm ci" in str(skipped.value)


def test_without_node_the_npm_packages_are_not_looked_for(bin_folder: Path) -> None:
    with pytest.raises(pytest.skip.Exception) as skipped:
        require_node_package("jsonld")
    assert str(skipped.value).startswith("node is not on PATH")
