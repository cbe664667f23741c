"""Helpers for the template dialect tests: every file is written into the test's tmp_path."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import strategies as st

from lamina.templates.merge import MergedValues, merge_layers
from lamina.templates.render import RenderedText, render_template
from lamina.templates.sandbox import RenderLimits
from lamina.templates.values import ValuesLayer, load_values_file


def layer(tmp_path: Path, name: str, text: str) -> ValuesLayer:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return load_values_file(str(path), path.read_text())


def values(tmp_path: Path, *files: tuple[str, str], schema: dict | None = None) -> MergedValues:
    return merge_layers([layer(tmp_path, name, text) for name, text in files], schema)


def render(tmp_path: Path, template: str, merged: MergedValues, name: str = "t.yaml.j2",
           limits: RenderLimits = RenderLimits()) -> RenderedText:
    path = tmp_path / name
    path.write_text(template)
    return render_template(path.read_text(), str(path), merged, limits)


def load(text: str) -> object:
    return yaml.load(str(text), Loader=yaml.CSafeLoader)


# Strategies of the output tests: any text, any value, any map or list of values.
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_scalars = st.one_of(st.none(), st.booleans(), st.integers(), any_text,
                     st.floats(allow_nan=False, allow_infinity=True))
any_data = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                          st.dictionaries(any_text, inner, max_size=4)),
                        max_leaves=20)
# Strings alone are inserted as text (see output.py); structures and their contents are typed.
any_structure = st.one_of(st.lists(any_data, max_size=4), st.dictionaries(any_text, any_data, max_size=4))
