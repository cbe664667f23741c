"""A map or list alone on its line is spliced in as block YAML at that line's indentation,
so it can stand among sibling keys or list items (no ``toyaml | nindent`` needed)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lamina.templates.merge import MergedValues
from lamina.templates.render import check_rendered_yaml
from tests.templates.tpl_helpers import any_structure, load, render, values


def test_a_map_alone_on_its_line_merges_into_the_enclosing_mapping(tmp_path):
    merged = values(tmp_path, ("v.yaml", "extra:\n  labels: {app: web}\n  annotations: {a: '1'}\n"))
    template = "metadata:\n  name: x\n  {{ values.extra }}\nspec: {}\n"
    out = render(tmp_path, template, merged)
    assert load(out) == {"metadata": {"name": "x", "labels": {"app": "web"}, "annotations": {"a": "1"}},
                         "spec": {}}


def test_a_list_alone_on_its_line_extends_the_enclosing_list(tmp_path):
    merged = values(tmp_path, ("v.yaml", "more:\n- {name: side, image: busybox}\n- {name: b, args: [x, '1']}\n"))
    template = "containers:\n- name: main\n  image: nginx\n{{ values.more }}\nafter: 1\n"
    assert load(render(tmp_path, template, merged)) == {
        "containers": [{"name": "main", "image": "nginx"}, {"name": "side", "image": "busybox"},
                       {"name": "b", "args": ["x", "1"]}], "after": 1}


def test_a_map_alone_under_its_key_and_as_a_whole_document(tmp_path):
    merged = values(tmp_path, ("v.yaml", "labels: {app: web, v: '0o17'}\ndoc: {kind: ConfigMap, data: {on: 'yes'}}\n"))
    out = render(tmp_path, "labels:\n    {{ values.labels }}\n---\n{{ values.doc }}\n", merged)
    assert [load(d) for d in str(out).split("---\n")] == [{"labels": {"app": "web", "v": "0o17"}},
                                                         {"kind": "ConfigMap", "data": {"on": "yes"}}]


def test_block_lines_map_to_the_expression_line(tmp_path):
    merged = values(tmp_path, ("v.yaml", "extra: {a: 1, b: 2}\n"))
    out = render(tmp_path, "x:\n  k: v\n  {{ values.extra }}\n  b: dup\n", merged)
    assert out.template_line(4) == 3 and out.template_line(5) == 4
    try:
        check_rendered_yaml(out, "t.yaml.j2")
    except Exception as exc:  # the duplicate 'b' is reported at the template's line 4
        assert exc.source.line == 4
    else:
        raise AssertionError("duplicate key not found")


def test_inside_a_block_scalar_a_structure_stays_one_line_of_json(tmp_path):
    merged = values(tmp_path, ("v.yaml", "cfg: {a: 1}\n"))
    out = render(tmp_path, "data:\n  c.json: |\n    {{ values.cfg }}\n  other: 1\n", merged)
    assert load(out) == {"data": {"c.json": '{"a": 1}\n', "other": 1}}


def test_not_alone_on_its_line_stays_flow(tmp_path):
    merged = values(tmp_path, ("v.yaml", "l: {a: 1}\n"))
    out = render(tmp_path, "- {{ values.l }}\nk: [\n  {{ values.l }},\n  {{ values.l }}\n]\n", merged)
    assert '- {"a": 1}' in out and '  {"a": 1}\n' in out


@settings(max_examples=60, deadline=None)
@given(any_structure)
def test_any_structure_alone_on_its_line_parses_back_equal(tmp_path_factory, data):
    tmp_path = tmp_path_factory.mktemp("out")
    merged = MergedValues(data={"x": data})
    assert load(render(tmp_path, "key:\n  {{ values.x }}\n", merged)) == {"key": data}
    assert load(render(tmp_path, "{{ values.x }}\n", merged)) == data


def test_toyaml_alone_on_its_line_is_indented_to_its_column(tmp_path):
    merged = values(tmp_path, ("v.yaml", "labels: {app: web, tier: front}\ncfg: {a: 1, b: [x, y]}\n"))
    template = ("metadata:\n  labels:\n    {{ values.labels | toyaml }}\ndata:\n  c.yaml: |\n"
                "    {{ values.cfg | toyaml }}\n  d: {{ values.labels | toyaml | nindent(4) }}\n")
    assert load(render(tmp_path, template, merged)) == {
        "metadata": {"labels": {"app": "web", "tier": "front"}},
        "data": {"c.yaml": "a: 1\nb:\n- x\n- y\n", "d": {"app": "web", "tier": "front"}}}
