"""Helpers for the template dialect tests: every file is written into the test's tmp_path."""

from __future__ import annotations

from pathlib import Path

import yaml

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
