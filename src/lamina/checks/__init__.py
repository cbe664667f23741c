"""`lamina check`: schema, cross-resource consistency, policy and secrets checks.

Each check is one module with an ID, a default LEVEL, typed Options and a docstring that
is its documentation; `registry.py` lists them; `config.py` turns lamina.yaml's `checks:`
section and presets into the options each check runs with.
"""
