"""config.py: the defaults pass, and a numeric setting the service cannot use stops it at
start with one line naming the setting, its environment variable and what it must be."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import fails_in_one_line
from test_cli import invoke

from healthtech_lod.app import create_app, settings
from healthtech_lod.config import DEFAULTS, NUMBERS, SettingsError, check


def test_the_defaults_are_usable() -> None:
    check(DEFAULTS)
    assert set(NUMBERS) <= set(DEFAULTS), "every checked setting has a default"


def test_every_numeric_default_is_checked() -> None:
    numeric = {
        name
        for name, value in DEFAULTS.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }
    assert numeric <= set(NUMBERS)


@pytest.mark.parametrize("name", sorted(NUMBERS))
@pytest.mark.parametrize("value", ["abc", "10", -1, True, float("nan"), float("inf"), [3]])
def test_a_value_that_is_not_a_number_in_range_is_refused(name: str, value: Any) -> None:
    with pytest.raises(SettingsError) as raised:
        settings({name: value})
    message = str(raised.value)
    assert f"{name} (environment variable HEALTHTECH_LOD_{name}) must be" in message
    assert repr(value) in message


@pytest.mark.parametrize("name", sorted(name for name, spec in NUMBERS.items() if spec[0]))
def test_a_whole_number_setting_refuses_a_fraction(name: str) -> None:
    with pytest.raises(SettingsError, match="must be a whole number"):
        settings({name: 2.5})


def test_null_means_no_limit_only_where_documented() -> None:
    for name, (_, _, _, optional) in NUMBERS.items():
        if optional:
            check({**DEFAULTS, name: None})
        else:
            with pytest.raises(SettingsError, match=name):
                check({**DEFAULTS, name: None})


def test_bounds_are_inclusive() -> None:
    check({**DEFAULTS, "RATE_LIMIT": 0, "SITEMAP_MAX_URLS": 50_000, "QUERY_QUEUE_TIMEOUT": 0})
    with pytest.raises(SettingsError, match="from 1 to 50000"):
        check({**DEFAULTS, "SITEMAP_MAX_URLS": 50_001})


def test_the_environment_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Environment variables are read as JSON: ``abc`` stays a string, and is refused."""
    monkeypatch.setenv("HEALTHTECH_LOD_RATE_LIMIT", "abc")
    with pytest.raises(SettingsError, match="RATE_LIMIT .* it is 'abc'"):
        create_app()
    monkeypatch.setenv("HEALTHTECH_LOD_RATE_LIMIT", "0")
    assert settings()["RATE_LIMIT"] == 0


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["build", "--out", "{out}"]])
def test_the_commands_say_which_setting_in_one_line(command: list[str], tmp_path: Any) -> None:
    args = [arg.replace("{out}", str(tmp_path / "built")) for arg in command]
    result = invoke(*args, env={"HEALTHTECH_LOD_QUERY_WORKERS": "0"})
    fails_in_one_line(
        result, "QUERY_WORKERS", "HEALTHTECH_LOD_QUERY_WORKERS", "a whole number, at least 1"
    )
    assert not (tmp_path / "built").exists()
