"""fieldspecs_defaults.py is fieldspecs_defaults.yaml, parsed (see that module's docstring).

Run this file to regenerate the module after editing the YAML file:

    python tests/transformers/test_fieldspecs_defaults.py
"""

from __future__ import annotations

import os
import pprint

import lamina.transformers
from lamina.transformers.fieldspecs import default_config, load_config
from lamina.yaml import load

FOLDER = os.path.dirname(lamina.transformers.__file__)
YAML_FILE = os.path.join(FOLDER, "fieldspecs_defaults.yaml")
MODULE_FILE = os.path.join(FOLDER, "fieldspecs_defaults.py")

HEADER = '''"""Kustomize's built-in field specs as plain data: fieldspecs_defaults.yaml, parsed.

Generated from that file, which stays the reference (it reads like Kustomize's
api/internal/konfig/builtinpluginconsts), so that a build does not parse 26 KB of YAML at
every start. Do not edit: change the YAML file, then regenerate this one with

    python tests/transformers/test_fieldspecs_defaults.py

(tests/transformers/test_fieldspecs_defaults.py fails while the two disagree).
"""

'''


def _parsed_yaml() -> object:
    with open(YAML_FILE, encoding="utf-8") as fh:
        return load(fh.read(), "fieldspecs_defaults.yaml")


def render_module() -> str:
    return HEADER + "DEFAULTS = " + pprint.pformat(_parsed_yaml(), width=100, sort_dicts=False) + "\n"


def test_generated_module_is_the_parsed_yaml() -> None:
    with open(MODULE_FILE, encoding="utf-8") as fh:
        current = fh.read()
    assert current == render_module(), (
        "fieldspecs_defaults.py is out of date: run "
        "`python tests/transformers/test_fieldspecs_defaults.py`")


def test_default_config_is_read_from_the_generated_module() -> None:
    assert default_config() == load_config(_parsed_yaml(), "fieldspecs_defaults.yaml")


if __name__ == "__main__":
    with open(MODULE_FILE, "w", encoding="utf-8") as fh:
        fh.write(render_module())
    print(f"wrote {MODULE_FILE}")
