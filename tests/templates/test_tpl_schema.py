"""valuesSchema: defaults, and errors that name the key, the expectation and the file:line."""

from __future__ import annotations

import pytest

from lamina.errors import SourceRef
from lamina.templates.errors import ValuesSchemaError
from lamina.templates.schema import validate_values
from tests.templates.tpl_helpers import values

SCHEMA = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string"},
        "replicas": {"type": "integer", "default": 1},
        "env": {"enum": ["dev", "staging", "prod"]},
        "image": {
            "type": "object",
            "default": {},
            "properties": {"repo": {"type": "string", "default": "nginx"}, "tag": {"type": "string"}},
        },
    },
}


def test_defaults_fill_unset_keys_with_the_schema_as_origin(tmp_path):
    merged = values(tmp_path, ("v.yaml", "name: web\n"))
    got = validate_values(merged, SCHEMA, "schema.json")
    assert got.data == {"name": "web", "replicas": 1, "image": {"repo": "nginx"}}
    assert got.origin("image.repo") == SourceRef("schema.json")
    assert got.origin("name").path == str(tmp_path / "v.yaml")
    assert merged.data == {"name": "web"}  # the input is left alone


def test_set_values_are_not_overwritten_by_defaults(tmp_path):
    merged = values(tmp_path, ("v.yaml", "name: web\nreplicas: 3\nimage: {repo: httpd}\n"))
    assert validate_values(merged, SCHEMA, "s.json").data["image"] == {"repo": "httpd"}


def test_required_error_names_key_schema_and_values_files(tmp_path):
    merged = values(tmp_path, ("base.yaml", "env: dev\n"), ("prod.yaml", "env: prod\n"))
    with pytest.raises(ValuesSchemaError) as err:
        validate_values(merged, SCHEMA, "schema.json")
    assert err.value.source == SourceRef("schema.json")
    message = err.value.message
    assert "missing required value name" in message
    assert str(tmp_path / "base.yaml") in message and str(tmp_path / "prod.yaml") in message


@pytest.mark.parametrize(
    "files, where, message",
    [
        ([("base.yaml", "name: web\nreplicas: 1\n"), ("prod.yaml", "\nreplicas: '3'\n")], ("prod.yaml", 2, 1),
         'replicas must be integer, got string "3"'),
        ([("v.yaml", "name: web\nenv: prd\n")], ("v.yaml", 2, 1),
         'env must be one of ["dev", "staging", "prod"], got "prd"'),
        ([("v.yaml", "name: web\nimage:\n  tag: 1.5\n")], ("v.yaml", 3, 3), "image.tag must be string, got number 1.5"),
    ],
)
def test_value_errors_name_key_expectation_and_file_line(tmp_path, files, where, message):
    with pytest.raises(ValuesSchemaError) as err:
        validate_values(values(tmp_path, *files), SCHEMA, "schema.json")
    assert err.value.source == SourceRef(str(tmp_path / where[0]), where[1], where[2])
    assert message in err.value.message


def test_all_problems_are_listed(tmp_path):
    merged = values(tmp_path, ("v.yaml", "env: x\nreplicas: a\n"))
    with pytest.raises(ValuesSchemaError) as err:
        validate_values(merged, SCHEMA, "schema.json")
    text = str(err.value)
    assert "missing required value name" in text and "env must be one of" in text and "replicas must be integer" in text


def test_unknown_keys_point_at_the_key(tmp_path):
    schema = {"type": "object", "properties": {"a": {}, "replicas": {}}, "additionalProperties": False}
    merged = values(tmp_path, ("v.yaml", "a: 1\nreplica: 2\n"))
    with pytest.raises(ValuesSchemaError) as err:
        validate_values(merged, schema, "schema.json")
    assert err.value.source == SourceRef(str(tmp_path / "v.yaml"), 2, 1)
    assert "unknown key replica; did you mean replicas?" in err.value.message


def test_set_values_are_named_as_the_source(tmp_path):
    from lamina.templates.merge import merge_layers
    from lamina.templates.values import layer_from_sets

    merged = merge_layers([layer_from_sets(["name=1"], [])])
    with pytest.raises(ValuesSchemaError) as err:
        validate_values(merged, SCHEMA, "schema.json")
    assert err.value.source == SourceRef("--set")


def test_invalid_schema_is_reported_against_the_schema_file(tmp_path):
    merged = values(tmp_path, ("v.yaml", "a: 1\n"))
    with pytest.raises(ValuesSchemaError) as err:
        validate_values(merged, {"type": "nonsense"}, "schema.json")
    assert err.value.source == SourceRef("schema.json")


def test_defaults_through_refs(tmp_path):
    schema = {"$defs": {"port": {"type": "integer", "default": 8080}},
              "properties": {"http": {"type": "object", "default": {}, "properties": {"port": {"$ref": "#/$defs/port"}}}}}
    got = validate_values(values(tmp_path, ("v.yaml", "other: 1\n")), schema, "s.json")
    assert got.data == {"other": 1, "http": {"port": 8080}}


def test_schema_files_give_defaults_a_line(tmp_path):
    from lamina.templates.schema import load_schema

    (tmp_path / "schema.yaml").write_text("properties:\n  port:\n    type: integer\n    default: 8080\n")
    loaded = load_schema(str(tmp_path / "schema.yaml"), (tmp_path / "schema.yaml").read_text())
    got = validate_values(values(tmp_path, ("v.yaml", "a: 1\n")), loaded.schema, loaded.path, loaded.positions)
    assert got.data == {"a": 1, "port": 8080}
    assert got.origin("port") == SourceRef(str(tmp_path / "schema.yaml"), 4, 5)


def test_json_schema_files_load_and_refuse_duplicate_keys(tmp_path):
    from lamina.templates.schema import load_schema

    good = load_schema("s.json", '{"type": "object", "properties": {"a": {"type": "string"}}}')
    assert good.schema["properties"]["a"] == {"type": "string"}
    with pytest.raises(ValuesSchemaError) as err:
        load_schema("s.json", '{\n "type": "object",\n "type": "array"\n}')
    assert err.value.source.line == 3


def test_invalid_schema_points_at_the_bad_node(tmp_path):
    from lamina.templates.schema import load_schema

    loaded = load_schema("s.yaml", "properties:\n  a:\n    type: nonsense\n")
    with pytest.raises(ValuesSchemaError) as err:
        validate_values(values(tmp_path, ("v.yaml", "a: 1\n")), loaded.schema, loaded.path, loaded.positions)
    assert err.value.source.path == "s.yaml" and err.value.source.line is not None


def test_remote_refs_are_not_fetched(tmp_path):
    schema = {"properties": {"a": {"$ref": "https://example.com/schema.json"}}}
    with pytest.raises(ValuesSchemaError) as err:
        validate_values(values(tmp_path, ("v.yaml", "a: 1\n")), schema, "s.json")
    assert "cannot resolve $ref" in err.value.message
