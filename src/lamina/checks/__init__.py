"""`lamina check`: schema, cross-resource consistency, policy and secrets checks.

Each check is one module with an ID, a default LEVEL, typed Options and a docstring that
is its documentation; `registry.py` lists them; `config.py` turns lamina.yaml's `checks:`
section and the presets (data files in checks/presets/, one per preset, as yamllint's
conf/default.yaml) into the options each check runs with.
"""

from __future__ import annotations

import os

# Kept here, importing nothing heavy (not even importlib.resources), so that the choices of
# `lamina check --preset` cost the command's start-up nothing. The files ship as package data.
PRESET_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "presets")
PRESETS: tuple[str, ...] = tuple(sorted(name.removesuffix(".yaml")
                                        for name in os.listdir(PRESET_DIR)
                                        if name.endswith(".yaml")))
