"""Broken trees a held-out tester would try, each with the one message lamina must print:
the file:line from the project root, the environment, and what to do (YAML in, message
out). One case per mistake found while red-teaming issue 15's measure."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from tests.helpers.checks import check_project
from tests.helpers.messages import run_cli
from tests.helpers.trees import write_tree

PROJECT = "apiVersion: lamina.dev/v1alpha1\nkind: Project\nenvironments:\n  - name: dev\n  - name: prod\n"
CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  DB: postgres.shop.internal\n"
LK = "apiVersion: lamina.dev/v1alpha1\nkind: Kustomization\n"
J2 = CM.replace("postgres.shop.internal", '"{{ values.db }}"') + '  N: "{{ values.n }}"\n'


def _tree(tmp_path: Path, prod: str, extra: dict[str, str] | None = None) -> Path:
    files = {"lamina.yaml": PROJECT,
             "base/kustomization.yaml": "resources:\n- configmap.yaml\n", "base/configmap.yaml": CM,
             "overlays/dev/kustomization.yaml": "resources:\n- ../../base\nnamespace: shop-dev\n",
             "overlays/prod/kustomization.yaml": prod}
    files.update(extra or {})
    return write_tree(tmp_path / "p", files)


def _error(root: Path) -> str:
    code, _out, err = run_cli("render", cwd=root)
    assert code == 1 and "Traceback" not in err, err
    return err.strip()


# (prod's kustomization, extra files, expected message)
KUSTOMIZE_CASES = {
    "replacement source field typo": (
        "resources:\n- ../../base\nreplacements:\n- source: {kind: ConfigMap, name: cfg, fieldPth: data.DB}\n"
        "  targets: []\n", {},
        'Error: prod: overlays/prod/kustomization.yaml:4:40: unknown field "fieldPth" in a replacements '
        'source entry; did you mean "fieldPath"?\n'
        '  (kustomize: invalid Kustomization: json: unknown field "fieldPth")'),
    "replacement target field typo": (
        "resources:\n- ../../base\nreplacements:\n- source: {kind: ConfigMap, name: cfg, fieldPath: data.DB}\n"
        "  targets:\n  - select: {kind: ConfigMap}\n    fieldPath: [data.X]\n", {},
        'Error: prod: overlays/prod/kustomization.yaml:7:5: unknown field "fieldPath" in a replacements '
        'targets entry; did you mean "fieldPaths"?\n'
        '  (kustomize: invalid Kustomization: json: unknown field "fieldPath")'),
    "images entry typo": (
        "resources:\n- ../../base\nimages:\n- name: nginx\n  newTga: '2'\n", {},
        'Error: prod: overlays/prod/kustomization.yaml:5:3: unknown field "newTga" in an images entry; '
        'did you mean "newTag"?\n'
        '  (kustomize: invalid Kustomization: json: unknown field "newTga")'),
    "strategic-merge patch of a renamed resource": (
        "resources:\n- ../../base\npatches:\n- path: patches/cm.yaml\n",
        {"overlays/prod/patches/cm.yaml": CM.replace("name: cfg", "name: config")},
        'Error: prod: overlays/prod/kustomization.yaml:4:9: no resource matches strategic merge patch '
        '"ConfigMap.v1.[noGrp]/config.[noNs]": no matches for Id ConfigMap.v1.[noGrp]/config.[noNs]; '
        'failed to find unique target for patch ConfigMap.v1.[noGrp]/config.[noNs]\n'
        '  fix the patch (its target, or the paths its operations name) so that it applies to a '
        'resource this kustomization builds'),
    "JSON patch removing a field that is not there": (
        "resources:\n- ../../base\npatches:\n- path: ops.yaml\n  target: {kind: ConfigMap}\n",
        {"overlays/prod/ops.yaml": "- op: remove\n  path: /data/GONE\n"},
        'Error: prod: overlays/prod/kustomization.yaml:4: applying JSON patch [path: "ops.yaml"] to '
        "ConfigMap.v1.[noGrp]/cfg.[noNs]: error in remove for path: '/data/GONE': Unable to remove "
        "nonexistent key: GONE\n"
        '  fix the patch (its target, or the paths its operations name) so that it applies to a '
        'resource this kustomization builds'),
}


@pytest.mark.parametrize("case", sorted(KUSTOMIZE_CASES))
def test_kustomization_mistakes(tmp_path: Path, case: str) -> None:
    prod, extra, expected = KUSTOMIZE_CASES[case]
    assert _error(_tree(tmp_path, prod, extra)) == expected


def _template_tree(tmp_path: Path, template: str) -> Path:
    """One environment: messages carry no environment prefix."""
    return write_tree(tmp_path / "p", {
        "lamina.yaml": PROJECT.replace("  - name: dev\n", ""),
        "overlays/prod/kustomization.yaml": LK + "resources:\n- configmap.yaml.j2\nvalues:\n- values.yaml\n",
        "overlays/prod/values.yaml": "db: postgres.shop.internal\nn: 3\n",
        "overlays/prod/configmap.yaml.j2": template})


TEMPLATE_CASES = {
    "unclosed expression": (J2.replace("{{ values.db }}", "{{ values.db "),
                            "Error: overlays/prod/configmap.yaml.j2:6: template syntax error: expected "
                            "token 'end of print statement', got 'string'; check the {{ }} and {% %} tags "
                            "on this line (each must be closed)"),
    "a filter that does not exist": (J2.replace("{{ values.n }}", "{{ values.n | to_yml }}"),
                                     "Error: overlays/prod/configmap.yaml.j2:7: template error: No filter "
                                     "named 'to_yml'. Did you mean 'toyaml'?"),
    "a value of the wrong type": (J2.replace("{{ values.n }}", "{{ values.db + 1 }}"),
                                  "Error: overlays/prod/configmap.yaml.j2:7: a value has the wrong type "
                                  "for this expression (can only concatenate str (not \"int\") to str): check "
                                  "the types of the values it uses (values files consulted: overlays/prod/values.yaml)"),
}


@pytest.mark.parametrize("case", sorted(TEMPLATE_CASES))
def test_template_mistakes(tmp_path: Path, case: str) -> None:
    template, expected = TEMPLATE_CASES[case]
    assert _error(_template_tree(tmp_path, template)) == expected


def test_a_dev_connection_in_prods_secret_is_found_without_showing_the_value(tmp_path: Path) -> None:
    secret = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n"
              "  URL: postgres://app:pw@db.dev.example.internal/shop\ndata:\n"
              f"  CACHE: {base64.b64encode(b'redis://cache.dev.example.internal:6379').decode()}\n")
    root = _tree(tmp_path, "resources:\n- ../../base\n- secret.yaml\nnamespace: shop-prod\n",
                 {"overlays/prod/secret.yaml": secret})
    found = [(str(f.source), f.environment, f.message) for f in check_project(str(root)).findings
             if f.check == "cross-environment"]
    shown = ("names a host of environment 'dev' (it carries the marker 'dev'; the value is a "
             "Secret's, so it is not shown); point it at prod's own host, or list the host under "
             "prod's hosts: in lamina.yaml if it really is shared")
    assert found == [("overlays/prod/secret.yaml:6:3", "prod", f"stringData.URL {shown}"),
                     ("overlays/prod/secret.yaml:8:3", "prod", f"data.CACHE {shown}")]
    assert not any("example.internal" in m or "pw" in m for _w, _e, m in found)


PROJECT_CASES = {
    "environment key typo": (
        PROJECT.replace("  - name: prod\n", "  - name: prod\n    overlya: overlays/prod\n"),
        "Error: lamina.yaml:6: unknown key 'overlya' in an environment; did you mean 'overlay'? "
        "allowed: allowPlaintextSecrets, clusters, hosts, kubernetesVersion, markers, name, overlay, "
        "policies, values"),
    "preset typo": (
        PROJECT + "checks:\n  preset: strcit\n",
        "Error: lamina.yaml:7: checks.preset must be one of default, strict, got 'strcit' "
        "(did you mean 'strict'?)"),
    "check name typo": (
        PROJECT + "checks:\n  rules:\n    imag-tag: {level: warning}\n",
        "Error: lamina.yaml:8: checks.rules: unknown check 'imag-tag': did you mean 'image-tag'? "
        "(known: admission-policy, cross-environment, dangling-reference, duplicate-id, hardening, "
        "high-entropy, image-tag, ingress-backend, network-policy, plaintext-secret, pod-security, "
        "probes, rbac, required-labels, resources, scale-target, schema, service-selector, "
        "service-target-port, unmatched-patch)"),
}


@pytest.mark.parametrize("case", sorted(PROJECT_CASES))
def test_lamina_yaml_mistakes(tmp_path: Path, case: str) -> None:
    project, expected = PROJECT_CASES[case]
    root = _tree(tmp_path, "resources:\n- ../../base\n", {"lamina.yaml": project})
    assert _error(root) == expected


def test_a_generator_failure_names_its_entry(tmp_path: Path) -> None:
    root = _tree(tmp_path, "resources:\n- ../../base\nconfigMapGenerator:\n- name: x\n"
                           "  literals: [novalue]\n")
    assert _error(root) == (
        "Error: prod: overlays/prod/kustomization.yaml:4: loading KV pairs: literal sources "
        "[novalue]: invalid literal source novalue, expected key=value\n  fix this generator entry")
