"""check_rendered_yaml: invalid rendered YAML is reported at the template line that made it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lamina.errors import SourceRef
from lamina.templates.errors import TemplateError
from lamina.templates.render import check_rendered_yaml
from tests.templates.tpl_helpers import render, values

VALUES = "items: [a, b, c]\nmap: {x: 1, y: [1, 2], z: {w: v}}\n"


def _error_line(tmp_path, template: str) -> int:
    merged = values(tmp_path, ("v.yaml", VALUES))
    out = render(tmp_path, template, merged)
    with pytest.raises(TemplateError) as err:
        check_rendered_yaml(out, str(tmp_path / "t.yaml.j2"))
    assert err.value.source.path == str(tmp_path / "t.yaml.j2")
    assert "not valid YAML" in err.value.message
    return err.value.source.line


def test_valid_output_returns_the_documents(tmp_path):
    out = render(tmp_path, "a: 1\n---\nb: {{ values.map }}\n", values(tmp_path, ("v.yaml", VALUES)))
    assert check_rendered_yaml(out, "t.j2") == [{"a": 1}, {"b": {"x": 1, "y": [1, 2], "z": {"w": "v"}}}]


@pytest.mark.parametrize(
    "template, line",
    [
        ("list:\n{% for i in values.items %}\n  - {{ i }}\n{% endfor %}\nbad: a: b\n", 5),  # after a loop
        ("m: {{ values.map | toyaml | nindent(2) }}\nok: 1\nbad: a: b\n", 3),  # after multi-line output
        ("a: 1\n{% for i in values.items %}\n{% if i == 'b' %}\nbad: a: b\n{% endif %}\nk{{ i }}: 1\n{% endfor %}\n", 4),
        ("a: 1\n{% if false %}\nskipped: 1\n{% endif %}\nb: {{ values.map }} extra\n", 5),  # in an expression line
    ],
)
def test_errors_point_at_the_template_line(tmp_path, template, line):
    assert _error_line(tmp_path, template) == line


def test_the_message_shows_the_rendered_line(tmp_path):
    merged = values(tmp_path, ("v.yaml", VALUES))
    out = render(tmp_path, "x: {{ values.items[0] }}: q\n", merged)
    with pytest.raises(TemplateError) as err:
        check_rendered_yaml(out, "t.j2")
    assert "x: a: q" in err.value.message and err.value.source == SourceRef("t.j2", 1)


def test_plain_strings_map_lines_one_to_one():
    with pytest.raises(TemplateError) as err:
        check_rendered_yaml("a: 1\nb: 2\nc: d: e\n", "x.j2")
    assert err.value.source == SourceRef("x.j2", 3)


_SEGMENTS = {
    "literal": ["k{i}: v"],
    "loop": ["list{i}:", "{% for x in values.items %}", "  - {{ x }}", "{% endfor %}"],
    "multiline": ["m{i}: {{ values.map | toyaml | nindent(2) }}"],
    "skipped": ["{% if false %}", "s{i}: 1", "{% endif %}"],
    "kept": ["{% if true %}", "t{i}: {{ values.map }}", "{% endif %}"],
    "loop_lines": ["{% for x in values.items %}", "l{i}{{ loop.index }}: {{ x }}", "", "{% endfor %}"],
    "trimmed": ["{%- for x in values.items %}", "w{i}{{ loop.index }}: 1", "{%- endfor %}"],
    "comment": ["{# a comment", "over two lines #}"],
    "raw": ["{% raw %}", "r{i}: '{{ not rendered }}'", "{% endraw %}"],
}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(sorted(_SEGMENTS)), max_size=8), st.integers(0, 8))
def test_error_line_survives_any_mix_of_loops_conditions_and_multiline_output(tmp_path_factory, kinds, at):
    lines: list[str] = []
    bad_line = None
    for i, kind in enumerate(kinds + ["literal"]):
        if i == min(at, len(kinds)):
            lines.append("bad: a: b")
            bad_line = len(lines)
        lines.extend(part.format(i=i) if "{i}" in part else part for part in _SEGMENTS[kind])
    assert _error_line(tmp_path_factory.mktemp("lines"), "\n".join(lines) + "\n") == bad_line


def test_rendered_text_maps_any_output_line(tmp_path):
    out = render(tmp_path, "a:\n{% for i in values.items %}\n- {{ i }}\n{% endfor %}\nb: 1\n", values(tmp_path, ("v.yaml", VALUES)))
    assert [out.template_line(n) for n in range(1, 10)] == [1, 2, 3, 2, 3, 2, 3, 4, 5]
    assert out.template_line(99) == 5  # past the end: the last line


def test_duplicate_keys_made_by_a_loop_point_at_the_loop_body(tmp_path):
    template = "kind: ConfigMap\ndata:\n{% for i in values.items %}\n  key: {{ i }}\n{% endfor %}\n"
    merged = values(tmp_path, ("v.yaml", VALUES))
    with pytest.raises(TemplateError) as err:
        check_rendered_yaml(render(tmp_path, template, merged), "cm.yaml.j2")
    assert err.value.source == SourceRef("cm.yaml.j2", 4)
    assert "repeats the key 'key'" in err.value.message and "first at rendered line 4" in err.value.message


def test_alias_bombs_in_rendered_output_are_refused(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 8)]
    with pytest.raises(TemplateError) as err:
        check_rendered_yaml(render(tmp_path, "\n".join(lines) + "\n", values(tmp_path)), "bomb.j2")
    assert "alias bomb" in err.value.message and err.value.source == SourceRef("bomb.j2", 1)
