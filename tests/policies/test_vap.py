"""ValidatingAdmissionPolicy: CEL, bindings, params, selectors, actions, through `lamina check`."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.api.check import CheckOptions, check
from lamina.policies import k8scel
from lamina.policies.model import PolicyError
from tests.helpers.trees import write_tree

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: REPLICAS
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: nginx:1.25, resources: {limits: {memory: MEM}}}
"""

POLICY = """apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: replica-limit}
spec:
  failurePolicy: Fail
  paramKind: {apiVersion: v1, kind: ConfigMap}
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
  matchConditions:
  - {name: not-system, expression: "object.metadata.namespace != 'kube-system'"}
  variables:
  - {name: maxr, expression: "int(params.data.maxReplicas)"}
  validations:
  - expression: "object.spec.replicas <= variables.maxr"
    messageExpression: "'replicas ' + string(object.spec.replicas) + ' exceed ' + string(variables.maxr)"
  - expression: "object.spec.template.spec.containers.all(c, quantity(c.resources.limits.memory).compareTo(quantity('1Gi')) <= 0)"
    message: memory limit above 1Gi
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: replica-limit-prod}
spec:
  policyName: replica-limit
  validationActions: [ACTION]
  paramRef: {name: limits, namespace: default, parameterNotFoundAction: Deny}
  matchResources:
    namespaceSelector: {matchLabels: {tier: production}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: limits, namespace: default}
data: {maxReplicas: "5"}
"""


def _project(tmp_path: Path, replicas: int = 7, mem: str = "2Gi", action: str = "Deny",
             extra: dict[str, str] | None = None, lamina: str | None = None) -> Path:
    files = {
        "base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "base/deploy.yaml": DEPLOY.replace("REPLICAS", str(replicas)).replace("MEM", mem),
        "overlays/dev/kustomization.yaml": "namespace: dev\nresources: [../../base, ns.yaml]\n",
        "overlays/dev/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: dev}\n",
        "overlays/prod/kustomization.yaml": "namespace: prod\nresources: [../../base, ns.yaml]\n",
        "overlays/prod/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: prod, labels: {tier: production}}\n",
        "policies/replicas.yaml": POLICY.replace("ACTION", action),
        "lamina.yaml": lamina or "policies: [policies]\n",
    }
    files.update(extra or {})
    return write_tree(tmp_path / "p", files)


def _findings(root: Path) -> list:
    return [f for f in check(CheckOptions(project_dir=str(root))).findings if f.check == "admission-policy"]


def test_violations_name_policy_rule_resource_environment_and_source(tmp_path: Path) -> None:
    found = _findings(_project(tmp_path))
    assert [(f.environment, f.level, f.resource, str(f.source)) for f in found] == [
        ("prod", "error", "Deployment/prod/web", "base/deploy.yaml:1")] * 2
    messages = sorted(f.message for f in found)
    assert messages == [
        "ValidatingAdmissionPolicy/replica-limit (validations[0]): replicas 7 exceed 5",
        "ValidatingAdmissionPolicy/replica-limit (validations[1]): memory limit above 1Gi"]


def test_compliant_object_passes(tmp_path: Path) -> None:
    assert _findings(_project(tmp_path, replicas=3, mem="512Mi")) == []


def test_warn_action_is_a_warning_and_does_not_fail(tmp_path: Path) -> None:
    result = check(CheckOptions(project_dir=str(_project(tmp_path, action="Warn"))))
    found = [f for f in result.findings if f.check == "admission-policy"]
    assert {f.level for f in found} == {"warning"} and len(found) == 2


def test_missing_param_is_reported(tmp_path: Path) -> None:
    root = _project(tmp_path)
    text = (root / "policies/replicas.yaml").read_text().replace("paramRef: {name: limits", "paramRef: {name: nope")
    (root / "policies/replicas.yaml").write_text(text)
    found = _findings(root)
    assert found and all("no ConfigMap param 'nope' found" in f.message for f in found)


def test_environment_skips_and_adds(tmp_path: Path) -> None:
    lamina = ("environments:\n- name: dev\n  policies: {add: [extra]}\n"
              "- name: prod\n  policies: {skip: [replica-limit]}\npolicies: [policies]\n")
    extra = {"extra/any.yaml": """apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: replica-limit-all}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}
  validations: [{expression: "object.spec.replicas <= 2"}]
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: all}
spec: {policyName: replica-limit-all, validationActions: [Deny]}
"""}
    found = _findings(_project(tmp_path, lamina=lamina, extra=extra))
    assert {(f.environment, f.message.split(" ")[0]) for f in found} == {
        ("dev", "ValidatingAdmissionPolicy/replica-limit-all")}


def test_policies_rendered_by_the_tree_count(tmp_path: Path) -> None:
    # kustomize puts the ConfigMap in prod, so the binding looks for its param there
    policy = POLICY.replace("ACTION", "Deny").replace("namespace: default, parameterNotFound",
                                                      "namespace: prod, parameterNotFound")
    extra = {"overlays/prod/policy.yaml": policy,
             "overlays/prod/kustomization.yaml": "namespace: prod\nresources: [../../base, ns.yaml, policy.yaml]\n"}
    root = _project(tmp_path, extra=extra, lamina="environments: [{name: dev}, {name: prod}]\n")
    found = _findings(root)
    assert {f.environment for f in found} == {"prod"} and len(found) == 2


def test_unsupported_function_is_an_error_naming_policy_and_expression(tmp_path: Path) -> None:
    root = _project(tmp_path)
    text = (root / "policies/replicas.yaml").read_text().replace(
        "object.spec.replicas <= variables.maxr", "authorizer.group('apps').check()")
    (root / "policies/replicas.yaml").write_text(text)
    found = _findings(root)
    assert found and found[0].level == "error"
    assert "ValidatingAdmissionPolicy/replica-limit" in found[0].message
    assert "authorizer.group('apps')" in found[0].message and "calls '" in found[0].message
    assert str(found[0].source) == "policies/replicas.yaml:1"


def test_render_gates_on_policy_errors(tmp_path: Path) -> None:
    import subprocess
    import sys
    root = _project(tmp_path)
    result = subprocess.run([sys.executable, "-m", "lamina.cli.main", "render"], cwd=root,
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "replica-limit" in result.stderr + result.stdout
    assert not (root / "rendered" / "prod").exists()


@pytest.mark.parametrize("expression,value", [
    ("'a,b'.split(',') == ['a', 'b']", True),
    ("'Hello'.lowerAscii().upperAscii()", "HELLO"),
    ("'%s has %d'.format(['x', 2])", "x has 2"),
    ("[3, 1, 2].isSorted()", False),
    ("[1, 2, 3].sum()", 6),
    ("[1, 5, 2].max()", 5),
    ("'abc123'.find('[0-9]+')", "123"),
    ("'a1b2'.findAll('[0-9]')", ["1", "2"]),
    ("quantity('1Gi').isGreaterThan(quantity('1000Mi'))", True),
    ("quantity('500m').asApproximateFloat()", 0.5),
    ("isQuantity('1.5Gi') && !isQuantity('abc')", True),
    ("url('https://example.com:8443/a?b=c').getHostname()", "example.com"),
    ("url('https://example.com:8443/a?b=c').getQuery()", {"b": ["c"]}),
    ("isURL('not a url')", False),
    ("format.dns1123Label().validate('Bad_Name').hasValue()", True),
    ("format.named('dns1123Subdomain').value().validate('ok.example').hasValue()", False),
    ("format.named('no-such-format').hasValue()", False),
    ("quantity('200M') == quantity('0.2G')", True),
    ("'  x '.trim()", "x"),
    ("'abc'.substring(1)", "bc"),
    ("['a', 'b'].join('-')", "a-b"),
    ("cidr('10.0.0.0/8').containsIP(ip('10.2.3.4'))", True),
])
def test_kubernetes_cel_libraries(expression: str, value: object) -> None:
    got = k8scel.evaluate(k8scel.compile_expression(expression, "test"), {})
    assert got == value


@pytest.mark.parametrize("expression", ["object.spec.x(", "authorizer.path('/x').check('get').allowed()"])
def test_unsupported_is_a_compile_error(expression: str) -> None:
    with pytest.raises(PolicyError):
        k8scel.compile_expression(expression, "test")
