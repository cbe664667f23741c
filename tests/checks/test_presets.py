"""The presets are data files (checks/presets/*.yaml): each loads, names only known checks
and options, and is the one source of what it sets."""

from __future__ import annotations

import pytest

from lamina.checks import PRESETS, registry
from lamina.checks.config import CheckConfigError, preset, rules


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_file_names_known_checks_and_options(name: str) -> None:
    chosen = preset(name)
    assert set(chosen.rules) <= set(registry.CHECKS)
    by_id = {r.check_id: r for r in rules({"preset": name})}
    for check_id, options in chosen.rules.items():
        for key, value in options.items():
            assert getattr(by_id[check_id].options, key) == value


def test_the_strict_preset_turns_everything_on_as_errors() -> None:
    assert set(PRESETS) >= {"default", "strict"}
    strict = rules({"preset": "strict"})
    assert all(r.enabled and r.level == "error" for r in strict)
    default = {r.check_id: r for r in rules({})}
    assert not default["network-policy"].enabled
    assert default["image-tag"].options.require_digest is False


def test_lamina_yaml_rules_win_over_the_preset() -> None:
    got = {r.check_id: r for r in rules({"preset": "strict",
                                         "rules": {"image-tag": {"requireDigest": False}}})}
    assert got["image-tag"].options.require_digest is False


def test_an_unknown_preset_names_the_known_ones() -> None:
    with pytest.raises(CheckConfigError, match="default, strict"):
        rules({"preset": "paranoid"})
