"""Held-out-style trees for the lamina dialect, run through the CLI: YAML in, YAML out.

Every error case must be one line naming file:line, with exit status 1 and no traceback.
"""

from __future__ import annotations

from pathlib import Path


import pytest

from tests.helpers.cli import KubectlKustomize, run_lamina
from tests.helpers.trees import write_tree

LK = "apiVersion: lamina.dev/v1alpha1\nkind: Kustomization\n"
CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n"


def run(*args: str, cwd: Path | None = None) -> tuple[int, str]:
    """Exit status and stdout, or stderr when the command failed."""
    proc = run_lamina(*args, cwd=cwd)
    return proc.returncode, proc.stdout if proc.returncode == 0 else proc.stderr


def single(tmp_path: Path, template: str, values: str = "a: 1\n") -> Path:
    return write_tree(tmp_path, {"kustomization.yaml": LK + "resources: [r.yaml.j2]\nvalues: [values.yaml]\n",
                                 "values.yaml": values, "r.yaml.j2": template})


def assert_one_line_error(code: int, out: str, *needles: str) -> None:
    assert code == 1, out
    lines = out.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out and "internal error" not in out, out
    for needle in needles:
        assert needle in out, out


@pytest.mark.parametrize("expr", ["values.a | nosuchfilter", "values.a is nosuchtest"])
def test_unknown_filter_or_test_is_a_template_error_with_line(tmp_path: Path, expr: str) -> None:
    tree = single(tmp_path, CM + "data:\n  x: '{{ " + expr + " }}'\n")
    assert_one_line_error(*run("build", str(tree)), "r.yaml.j2:6", "nosuch")


LOOP_HEADER = "{% for x in values.n %}\n# {{ x }}\n{% endfor %}\n"


def test_yaml_the_kustomize_reader_refuses_is_reported_at_the_template_line(tmp_path: Path) -> None:
    # PyYAML accepts `[x?y]`; Kustomize's parser does not. The loop makes rendered lines
    # differ from template lines: the error must name the template's line 9, not line 13.
    tree = single(tmp_path, LOOP_HEADER + CM + "data:\n  a: [x?y]\n", "n: [a, b, c]\n")
    assert_one_line_error(*run("build", str(tree)), "r.yaml.j2:9", "rendered line 13")


def test_every_yaml_file_kind_renders_but_generator_data_files_do_not(tmp_path: Path) -> None:
    tree = write_tree(tmp_path, {
        "kustomization.yaml": LK + "values: [values.yaml]\nresources: [d.yaml.j2]\n"
        "replacements:\n- path: repl.yaml.j2\ntransformers: [t.yaml.j2]\n"
        "patchesJson6902:\n- target: {group: apps, version: v1, kind: Deployment, name: web}\n  path: ops.yaml.j2\n"
        "patches:\n- path: ops.json.j2\n  target: {kind: Deployment}\n"
        "patchesStrategicMerge: [psm.yaml.j2]\n"
        "configMapGenerator:\n- name: cfg\n  files: [app.conf.j2]\n",
        "values.yaml": "name: web\nteam: platform\nreplicas: 4\n",
        "d.yaml.j2": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: '{{ values.name }}'}\n"
                     "spec:\n  template:\n    spec:\n      containers: [{name: web, image: nginx}]\n",
        "repl.yaml.j2": "source: {kind: Deployment, name: {{ values.name }}, fieldPath: metadata.name}\n"
                        "targets:\n- select: {kind: Deployment}\n  fieldPaths: [metadata.annotations.copied]\n"
                        "  options: {create: true}\n",
        "t.yaml.j2": "apiVersion: builtin\nkind: LabelTransformer\nmetadata: {name: l}\n"
                     "labels: {team: {{ values.team }}}\nfieldSpecs: [{path: metadata/labels, create: true}]\n",
        "ops.yaml.j2": "- op: add\n  path: /spec/replicas\n  value: {{ values.replicas }}\n",
        "ops.json.j2": '[{"op": "replace", "path": "/spec/template/spec/containers/0/image", '
                       '"value": {{ (values.team ~ ":1") | tojson }}}]\n',
        "psm.yaml.j2": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
                       "spec: {minReadySeconds: {{ values.replicas * 2 }}}\n",
        "app.conf.j2": "port={{ values.port }}\n",
    })
    code, out = run("build", str(tree))
    assert code == 0, out
    for expected in ("copied: web", "team: platform", "replicas: 4", "image: platform:1",
                     "minReadySeconds: 8", "app.conf.j2: |\n    port={{ values.port }}"):
        assert expected in out, out


def test_several_schema_violations_are_one_line_naming_each_file_and_key(tmp_path: Path) -> None:
    tree = write_tree(tmp_path, {
        "kustomization.yaml": LK + "resources: [r.yaml.j2]\nvalues: [values.yaml]\nvaluesSchema: schema.yaml\n",
        "schema.yaml": "type: object\nproperties:\n  port: {type: integer}\n  tier: {enum: [web, db]}\n",
        "values.yaml": "port: '80'\ntier: cache\n",
        "r.yaml.j2": CM,
    })
    assert_one_line_error(*run("build", str(tree)), 'values.yaml:1:1: port must be integer, got string "80"',
                          'values.yaml:2:1: tier must be one of ["web", "db"], got "cache"')


def layered_tree(root: Path) -> Path:
    return write_tree(root, {
        "base/kustomization.yaml": LK + "resources: [deploy.yaml.j2]\nvalues: [values.yaml]\nvaluesSchema: schema.yaml\n",
        "base/values.yaml": "name: web\nport: 8080\nlabels: {app: web, tier: front}\n"
                            "env: [{name: A, value: '1'}, {name: B, value: '2'}]\n",
        "base/schema.yaml": "type: object\nrequired: [name]\nproperties:\n  port: {type: integer}\n"
                            "  mode: {enum: [fast, slow], default: fast}\n"
                            "  env: {type: array, x-lamina-merge-key: name}\n",
        "base/deploy.yaml.j2": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ values.name }}\n"
                               "  labels: {{ values.labels }}\n  annotations:\n    mode: {{ values.mode | quote }}\n"
                               "    v: {{ values.v | default('none') | quote }}\nspec:\n  template:\n    spec:\n"
                               "      containers:\n      - name: app\n        env: {{ values.env }}\n"
                               "        ports: [{containerPort: {{ values.port }}}]\n",
        "comp/kustomization.yaml": "apiVersion: lamina.dev/v1alpha1\nkind: Component\nvalues: [values.yaml]\n"
                                   "resources: [secret.yaml.j2]\n",
        "comp/values.yaml": "password: s3cr3t\n",
        "comp/secret.yaml.j2": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ values.name }}\n"
                               "data:\n  password: {{ values.password | b64encode }}\n",
        "prod/kustomization.yaml": LK + "resources: [../base]\ncomponents: [../comp]\nvalues: [values.yaml]\n",
        "prod/values.yaml": "port: 9090\nlabels: {tier: null}\nenv: [{name: B, value: '22'}]\n",
        "extra.yaml": "port: 7070\n",
    })


def test_layers_component_schema_default_null_and_merge_key(tmp_path: Path) -> None:
    tree = layered_tree(tmp_path)
    code, out = run("build", "prod", "--values", "extra.yaml", "--set-string", "v=10", cwd=tree)
    assert code == 0, out
    for expected in ("password: czNjcjN0", "containerPort: 7070", "mode: fast", 'v: "10"',
                     "value: \"22\"", "name: A"):
        assert expected in out, out
    assert "tier" not in out
    code, out = run("values", "prod", "--values", "extra.yaml", "--set", "v=10", "--show-origin", cwd=tree)
    assert code == 0, out
    # Named from where the command runs, as every message names files.
    for expected in ("port: 7070  # extra.yaml:1:1", "v: 10  # --set", "mode: fast  # base/schema.yaml:5:30",
                     "password: s3cr3t  # comp/values.yaml:1:1", "app: web  # base/values.yaml:3:10"):
        assert expected in out, out


def test_a_lamina_tree_without_templates_builds_as_kubectl_builds_it(tmp_path: Path, kubectl_kustomize: KubectlKustomize) -> None:
    files = {
        "base/kustomization.yaml": "resources: [d.yaml]\nconfigMapGenerator:\n- name: cfg\n  literals: [a=1]\n",
        "base/d.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n"
                       "    spec:\n      containers:\n      - {name: web, image: nginx, envFrom: [{configMapRef: {name: cfg}}]}\n",
        "ov/kustomization.yaml": "resources: [../base]\nnamePrefix: p-\nimages: [{name: nginx, newTag: '1.2'}]\n"
                                "labels: [{pairs: {env: prod}, includeSelectors: true}]\n",
    }
    kustomize_tree = write_tree(tmp_path / "k", {p: "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n" + t
                                                 if p.endswith("kustomization.yaml") else t for p, t in files.items()})
    lamina_tree = write_tree(tmp_path / "l", {p: LK + t if p.endswith("kustomization.yaml") else t
                                              for p, t in files.items()})
    expected = kubectl_kustomize(kustomize_tree / "ov", check=True).stdout
    code, out = run("build", str(lamina_tree / "ov"))
    assert code == 0 and out == expected


def test_a_resource_error_in_a_looped_template_names_the_template_line(tmp_path: Path) -> None:
    template = LOOP_HEADER + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a: b}\n"
    tree = single(tmp_path, template, "n: [a, b, c]\n")
    assert_one_line_error(*run("build", str(tree)), "r.yaml.j2:5", "missing metadata.name")


def test_a_custom_tag_in_a_template_builds_as_kubectl_builds_it(tmp_path: Path, kubectl_kustomize: KubectlKustomize) -> None:
    resource = CM + "data:\n  a: !custom x\n  b: !!binary aGk=\n"
    plain = write_tree(tmp_path / "k", {"kustomization.yaml": "resources: [r.yaml]\n", "r.yaml": resource})
    tree = single(tmp_path / "l", resource.replace("x\n", "{{ 'x' }}\n"))
    expected = kubectl_kustomize(plain, check=True).stdout
    code, out = run("build", str(tree))
    assert code == 0 and out == expected, out
