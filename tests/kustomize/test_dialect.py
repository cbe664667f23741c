"""The lamina dialect wired into the build: values layers, .j2 templates, schema, flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.errors import LaminaError
from lamina.kustomize.build import BuildOptions, build, render
from lamina.kustomize.dialect import ValuesOptions
from tests.helpers.trees import write_tree

LAMINA_K = "apiVersion: lamina.dev/v1alpha1\nkind: Kustomization\n"
SVC = ("apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels: {{ values.labels }}\n"
       "spec:\n  ports:\n  - port: {{ values.port }}\n    targetPort: {{ values.port }}\n")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path, {
        "base/kustomization.yaml": LAMINA_K + "resources: [svc.yaml.j2]\nvalues: [values.yaml]\n"
                                              "valuesSchema: schema.yaml\n",
        "base/values.yaml": "port: 8080\nlabels: {app: web}\n",
        "base/schema.yaml": "type: object\nrequired: [port]\nproperties:\n  port: {type: integer}\n",
        "base/svc.yaml.j2": SVC,
        "prod/kustomization.yaml": LAMINA_K + "resources: [../base]\nvalues: [values.yaml]\n",
        "prod/values.yaml": "port: 9090\n",
    })


def _out(path: Path, **values) -> str:
    return render(build(str(path), BuildOptions(values=ValuesOptions(**values))))


def test_base_template_sees_the_overlays_values(tree: Path) -> None:
    out = _out(tree / "prod")
    assert "port: 9090" in out and "targetPort: 9090" in out and "app: web" in out


def test_precedence_values_file_then_set(tree: Path, tmp_path: Path) -> None:
    extra = write_tree(tmp_path, {"extra.yaml": "port: 7000\n"}) / "extra.yaml"
    assert "port: 7000" in _out(tree / "prod", files=(str(extra),))
    assert "port: 7100" in _out(tree / "prod", files=(str(extra),), sets=("port=7100",))


def test_schema_violation_names_the_file_and_key(tree: Path) -> None:
    with pytest.raises(LaminaError, match="port must be integer") as info:
        _out(tree / "prod", set_strings=("port=80",))
    assert "--set" in str(info.value)


def test_missing_value_names_template_line_and_files(tree: Path) -> None:
    write_tree(tree, {"base/svc.yaml.j2": SVC.replace("values.port }}\n", "values.nope }}\n")})
    with pytest.raises(LaminaError, match="nope") as info:
        _out(tree / "prod")
    assert "svc.yaml.j2:8" in str(info.value) and "values.yaml" in str(info.value)


@pytest.mark.parametrize("payload", ["{{ ''.__class__.__mro__[1].__subclasses__() }}",
                                     "{{ cycler.__init__.__globals__ }}"])
def test_sandbox_refuses_escapes(tree: Path, payload: str) -> None:
    write_tree(tree, {"base/svc.yaml.j2": SVC + f"  x: {payload}\n"})
    with pytest.raises(LaminaError, match="(?i)unsafe|sandbox|security"):
        _out(tree / "prod")


def test_kustomize_dialect_does_not_render_j2(tmp_path: Path) -> None:
    write_tree(tmp_path, {"kustomization.yaml": "resources: [cm.yaml.j2]\n",
                          "cm.yaml.j2": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
                                        "data:\n  v: '{{ values.port }}'\n"})
    assert "'{{ values.port }}'" in render(build(str(tmp_path)))


def test_changing_one_port_changes_every_field_that_uses_it(tree: Path) -> None:
    before = _out(tree / "prod").splitlines()
    after = _out(tree / "prod", sets=("port=9999",)).splitlines()
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(before) == len(after)
    assert changed == [("  - port: 9090", "  - port: 9999"),
                       ("    targetPort: 9090", "    targetPort: 9999")]
