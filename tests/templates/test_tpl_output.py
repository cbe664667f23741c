"""Structure-aware output and the YAML filters: what an expression becomes in the YAML."""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import given, settings

from lamina.templates.merge import MergedValues
from lamina.templates.output import flow_yaml
from tests.templates.tpl_helpers import any_data, any_structure, any_text, load, render, values


def test_a_map_expression_becomes_a_yaml_map(tmp_path):
    merged = values(tmp_path, ("v.yaml", "labels:\n  app: web\n  tier: '1'\n  on: 'yes'\n"))
    out = render(tmp_path, "metadata:\n  labels: {{ values.labels }}\n  name: x\n", merged)
    assert load(out) == {"metadata": {"labels": {"app": "web", "tier": "1", "on": "yes"}, "name": "x"}}
    assert out.count("\n") == 3  # one line per expression: rendering is line-preserving


def test_a_list_expression_becomes_a_yaml_list_in_key_and_item_position(tmp_path):
    merged = values(tmp_path, ("v.yaml", "args: [--port, '80', 'true']\n"))
    out = render(tmp_path, "args: {{ values.args }}\nnested:\n- {{ values.args }}\n", merged)
    assert load(out) == {"args": ["--port", "80", "true"], "nested": [["--port", "80", "true"]]}


@settings(max_examples=60)
@given(any_structure)
def test_any_structure_parses_back_equal(tmp_path_factory, data):
    tmp_path = tmp_path_factory.mktemp("out")
    merged = MergedValues(data={"x": data})
    assert load(render(tmp_path, "key: {{ values.x }}\n", merged)) == {"key": data}
    assert load(render(tmp_path, "- {{ values.x }}\n", merged)) == [data]


@given(any_data)
def test_flow_yaml_is_one_line_that_reads_back(data):
    text = flow_yaml(data)
    assert "\n" not in text
    assert load(text) == data


@pytest.mark.parametrize("value, expected", [("true", True), ("1.5", 1.5), ("1.0e+20", 1e20), ("-.inf", float("-inf"))])
def test_scalars_are_spelled_as_yaml_reads_them(tmp_path, value, expected):
    merged = values(tmp_path, ("v.yaml", f"x: {value}\n"))
    assert load(render(tmp_path, "x: {{ values.x }}\n", merged)) == {"x": expected}


def test_python_spellings_do_not_leak(tmp_path):
    out = render(tmp_path, "a: {{ true }}\nb: {{ none }}\nc: {{ 1e20 * 1 }}\nd: {{ [1, 'x'] }}\n", values(tmp_path))
    assert load(out) == {"a": True, "b": None, "c": 1e20, "d": [1, "x"]}
    assert "True" not in out and "None" not in out


def test_strings_are_inserted_as_text(tmp_path):
    merged = values(tmp_path, ("v.yaml", "repo: nginx\ntag: '1.25'\nversion: '1.10'\n"))
    out = render(tmp_path, "image: {{ values.repo }}:{{ values.tag }}\nv: {{ values.version }}\n"
                           "q: {{ values.version | quote }}\n", merged)
    assert load(out) == {"image": "nginx:1.25", "v": 1.1, "q": "1.10"}


@given(any_text)
def test_quote_keeps_any_string_a_string(tmp_path_factory, text):
    merged = MergedValues(data={"s": text})
    out = render(tmp_path_factory.mktemp("q"), "s: {{ values.s | quote }}\n", merged)
    assert load(out) == {"s": text}


def test_toyaml_nindent_for_helm_habits(tmp_path):
    merged = values(tmp_path, ("v.yaml", "resources:\n  limits: {cpu: '1', memory: 1Gi}\n  requests: {cpu: 100m}\n"))
    out = render(tmp_path, "spec:\n  resources:{{ values.resources | toyaml | nindent(4) }}\n"
                           "  other: {{ values.resources | toyaml | indent(2) | length > 0 }}\n", merged)
    assert load(out) == {"spec": {"resources": {"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "100m"}},
                                  "other": True}}


def test_indent_is_helm_style_and_leaves_blank_lines(tmp_path):
    merged = values(tmp_path, ("v.yaml", "s: \"a\\n\\nb\"\n"))
    out = render(tmp_path, "{{ values.s | indent(2) }}|{{ values.s | indent(2, first=false) }}", merged)
    assert out == "  a\n\n  b|a\n\n  b"


def test_tojson_in_a_block_scalar(tmp_path):
    merged = values(tmp_path, ("v.yaml", "config: {debug: true, hosts: [a, b], note: '<&>'}\n"))
    out = render(tmp_path, "data:\n  config.json: |\n    {{ values.config | tojson }}\n", merged)
    import json
    assert json.loads(load(out)["data"]["config.json"]) == {"debug": True, "hosts": ["a", "b"], "note": "<&>"}


def test_structure_as_a_string_value_with_tojson_quote(tmp_path):
    merged = values(tmp_path, ("v.yaml", "config: {a: 1}\n"))
    out = render(tmp_path, "annotation: {{ values.config | tojson | quote }}\n", merged)
    assert load(out) == {"annotation": '{"a": 1}'}


def test_b64encode_and_sha256(tmp_path):
    merged = values(tmp_path, ("v.yaml", "password: 's3cr3t é'\n"))
    out = render(tmp_path, "b: {{ values.password | b64encode }}\nh: {{ values.password | sha256 }}\n"
                           "r: {{ values.password | b64encode | b64decode }}\n", merged)
    got = load(out)
    assert base64.b64decode(got["b"]).decode() == "s3cr3t é"
    assert got["h"] == hashlib.sha256("s3cr3t é".encode()).hexdigest()
    assert got["r"] == "s3cr3t é"


def test_default_filter(tmp_path):
    merged = values(tmp_path, ("v.yaml", "empty: ''\n"))
    out = render(tmp_path, "a: {{ values.nope | default(3) }}\nb: {{ values.empty | default('x', true) }}\n", merged)
    assert load(out) == {"a": 3, "b": "x"}


@pytest.mark.parametrize("text", ["0o17", "1e3", "12:30", "yes", "0x1F", "1_000", "-2E-2"])
def test_toyaml_and_values_output_quote_strings_any_yaml_reader_would_type(tmp_path, text):
    from lamina.templates.filters import toyaml
    from lamina.templates.provenance import format_values
    from lamina.templates.values import load_values_file
    from lamina.yaml import load as kustomize_load
    assert kustomize_load(toyaml({"x": text}), "t") == {"x": text}
    assert load(toyaml([text])) == [text]
    merged = MergedValues(data={"x": text})
    for show_origin in (False, True):
        assert load_values_file("v", format_values(merged, show_origin)).data == {"x": text}
