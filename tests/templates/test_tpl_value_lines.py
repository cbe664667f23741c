"""Which template lines write a field as exactly one values leaf (templates/value_lines.py):
those name the values line; every other line keeps the template's."""

from __future__ import annotations

from typing import Any

import pytest

from lamina.templates import load_values_file, merge_layers, render_template

VALUES = """replicas: 3
image: {repo: nginx, tag: "1.27"}
debug: true
ports: [8080, 9090]
resources:
  limits: {cpu: 500m, memory: 1Gi}
services:
  - {name: web, port: 80}
"""


def _origin(template: str, field: tuple[Any, ...], line: int = 2) -> str | None:
    merged = merge_layers([load_values_file("values.yaml", VALUES)])
    rendered = render_template("kind: X\n" + template, "t.yaml.j2", merged)
    import yaml
    value: Any = yaml.safe_load(str(rendered))
    for step in field:
        value = value[step]
    scalar = {True: "true", False: "false"}.get(value, str(value)) if isinstance(value, bool) \
        else str(value)
    hit = rendered.value_source(line, field, scalar)
    return None if hit is None else f"{hit[0]} {hit[1]}"


@pytest.mark.parametrize("template, field, expected", [
    ("replicas: {{ values.replicas }}\n", ("replicas",), "replicas values.yaml:1:1"),
    ("replicas: {{ values['replicas'] }}\n", ("replicas",), "replicas values.yaml:1:1"),
    ('tag: "{{ values.image.tag }}"\n', ("tag",), "image.tag values.yaml:2:22"),
    ("tag: {{ values.image.tag | quote }}\n", ("tag",), "image.tag values.yaml:2:22"),
    ("debug: {{ values.debug }}\n", ("debug",), "debug values.yaml:3:1"),
    ("p: {{ values.ports[1] }}\n", ("p",), "ports[1] values.yaml:4:15"),
    ("l:\n  - {{ values.replicas }}\n", ("l", 0), None),     # line 2 holds no expression
    ("r: {{ values.resources }}\n", ("r", "limits", "cpu"), "resources.limits.cpu values.yaml:6:12"),
    ("r:\n  {{ values.resources }}\n", ("r", "limits", "memory"), None),   # asked about line 2
])
def test_lines_that_write_one_leaf(template: str, field: tuple[Any, ...], expected: str | None) -> None:
    assert _origin(template, field) == expected


def test_a_leaf_inside_a_map_alone_on_its_line() -> None:
    assert _origin("r:\n  {{ values.resources }}\n", ("r", "limits", "memory"), line=3) == \
        "resources.limits.memory values.yaml:6:23"
    assert _origin("r:\n  {{- values.resources | toyaml | nindent(2) }}\n",
                   ("r", "limits", "cpu"), line=3) == "resources.limits.cpu values.yaml:6:12"


def test_an_alias_set_once_is_followed() -> None:
    template = "{% set img = values.image %}{% set t = img.tag %}\nrepo: {{ img.repo }}\ntag: {{ t }}\n"
    assert _origin(template, ("repo",), line=3) == "image.repo values.yaml:2:9"
    assert _origin(template, ("tag",), line=4) == "image.tag values.yaml:2:22"


def test_a_list_item_picked_by_name() -> None:
    assert _origin("s: {{ values.services }}\n", ("s", 0, "port")) == "services[0].port values.yaml:8:17"


@pytest.mark.parametrize("template, field", [
    ('image: "{{ values.image.repo }}:{{ values.image.tag }}"\n', ("image",)),     # two values
    ("image: nginx:{{ values.image.tag }}\n", ("image",)),                       # a literal
    ("n: {{ values.replicas + 0 }}\n", ("n",)),                                  # arithmetic
    ("n: {{ values.replicas if values.debug else 1 }}\n", ("n",)),               # a condition
    ("n: {{ values.replicas | default(values.debug) }}\n", ("n",)),              # reads another
    ("t: {{ values.image.repo | upper }}\n", ("t",)),                            # changed by a filter
    ("n: {% if values.debug %}{{ values.replicas }}{% endif %}\n", ("n",)),      # a block tag
    ("{% for p in values.ports %}\np{{ loop.index }}: {{ p }}\n{% endfor %}\n", ("p1",)),   # loop var
    ("{% set x = values.replicas %}{% set x = 1 %}\nn: {{ x }}\n", ("n",)),     # set twice
    ("{% set r = 3 %}\nn: {{ r }}\n", ("n",)),                                  # not values
])
def test_lines_that_write_anything_else_keep_the_template_line(template: str, field: tuple[Any, ...]) -> None:
    line = 3 if template.startswith("{%") else 2
    assert _origin(template, field, line=line) is None
