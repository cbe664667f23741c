"""Regression tests for the disagreements with Checkov (issue 15), each shaped like the
real manifest it was seen on, plus hardening's warning-level options."""

from __future__ import annotations

from lamina.checks.base import Context
from lamina.checks.config import rules
from lamina.checks.runner import run
from tests.helpers.checks import findings as _findings
from tests.helpers.checks import objs as _objs


# gitops-catalog's 1password-connect: both containers set limits and no requests.
ONEPASSWORD = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: onepassword-connect, namespace: 1password}
spec:
  selector: {matchLabels: {app: onepassword-connect}}
  template:
    metadata: {labels: {app: onepassword-connect, version: "1.7.2"}}
    spec:
      volumes: [{name: shared-data, emptyDir: {}}, {name: credentials, secret: {secretName: op-credentials}}]
      containers:
      - name: connect-api
        image: 1password/connect-api:1.7.2
        resources: {limits: {memory: 128Mi, cpu: 200m}}
        ports: [{containerPort: 8080}]
      - name: connect-sync
        image: 1password/connect-sync:1.7.2
        resources: {limits: {memory: 128Mi, cpu: 200m}}
"""


def test_limits_without_requests_are_not_missing_requests() -> None:
    assert _findings("resources", ONEPASSWORD) == []
    no_cpu_limit = ONEPASSWORD.replace("{memory: 128Mi, cpu: 200m}", "{memory: 128Mi}", 1)
    assert [f.message for f in _findings("resources", no_cpu_limit)] == [
        "container 'connect-api' does not set requests.cpu"]


OTEL_CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: opentelemetrycollectors.opentelemetry.io}
spec:
  group: opentelemetry.io
  names: {kind: OpenTelemetryCollector, plural: opentelemetrycollectors}
  scope: Namespaced
  versions:
  - name: v1beta1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          apiVersion: {type: string}
          kind: {type: string}
          metadata: {type: object}
          spec:
            type: object
            required: [config, managementState]
            properties:
              managementState:
                type: string
                default: managed
                enum: [managed, unmanaged]
              mode:
                type: string
                default: deployment
                enum: [daemonset, deployment, sidecar, statefulset]
              upgradeStrategy: {type: string, default: automatic}
              config:
                type: object
                x-kubernetes-preserve-unknown-fields: true
              ports:
                type: array
                items:
                  type: object
                  required: [port, protocol]
                  properties:
                    port: {type: integer}
                    protocol: {type: string, default: TCP}
"""

OTEL_CR = """
---
apiVersion: opentelemetry.io/v1beta1
kind: OpenTelemetryCollector
metadata: {name: otel, namespace: observability}
spec:
  mode: daemonset
  ports: [{port: 4317}]
  config:
    receivers: {otlp: {protocols: {grpc: {}}}}
    exporters: {debug: {}}
    service: {pipelines: {traces: {receivers: [otlp], exporters: [debug]}}}
"""


def test_crd_defaults_are_applied_before_required() -> None:
    assert _findings("schema", OTEL_CRD + OTEL_CR) == []
    # A required field without a default is still required, and defaults never hide a
    # wrong value.
    no_config = OTEL_CR.replace("  config:\n", "  other:\n")
    found = _findings("schema", OTEL_CRD + no_config)
    assert any("missing required field 'config'" in f.message for f in found)
    bad = OTEL_CR.replace("mode: daemonset", "mode: daemonset\n  managementState: sometimes")
    assert any("managementState" in f.message for f in _findings("schema", OTEL_CRD + bad))


# A pod-level runAsNonRoot: true that one container turns off (seen in sidecar patches).
SIDECAR_ROOT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: api
        image: shop/api:1.2.0
        securityContext:
          allowPrivilegeEscalation: false
          capabilities: {drop: [ALL]}
      - name: log-shipper
        image: fluent/fluent-bit:3.1.4
        securityContext:
          runAsNonRoot: false
          allowPrivilegeEscalation: false
          capabilities: {drop: [ALL]}
"""


def test_a_container_runasnonroot_false_overrides_the_pod() -> None:
    hardening = [f.message for f in _findings("hardening", SIDECAR_ROOT) if f.level == "error"]
    assert hardening == ["container 'log-shipper' sets runAsNonRoot: false, which overrides the "
                         "pod's runAsNonRoot: true (remove it, or set a non-zero runAsUser)"]
    pss = [f.message for f in _findings("pod-security", SIDECAR_ROOT, level="restricted")]
    assert pss == ["restricted: container 'log-shipper' must set runAsNonRoot: true (its "
                   "runAsNonRoot: false overrides the pod's true)"]
    fixed = SIDECAR_ROOT.replace("          runAsNonRoot: false\n", "")
    assert [f for f in _findings("hardening", fixed) if f.level == "error"] == []
    assert _findings("pod-security", fixed, level="restricted") == []


# ---- hardening's options --------------------------------------------------------------

APP = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      securityContext: {runAsNonRoot: true}
      containers:
      - name: web
        image: shop/web:2.0.1
        env:
        - {name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db, key: password}}}
        envFrom: [{secretRef: {name: api-keys}}]
"""


def _messages(text: str, **options) -> list[tuple[str, str]]:
    return [(f.level, f.message) for f in _findings("hardening", text, **options)]


def test_hardening_options_warn_by_default() -> None:
    assert _messages(APP) == [
        ("warning", "container 'web' does not set readOnlyRootFilesystem: true (mount an emptyDir "
                    "where it must write)"),
        ("warning", "container 'web' env 'DB_PASSWORD' takes Secret 'db' as an environment "
                    "variable (mount it as a file)"),
        ("warning", "container 'web' envFrom takes Secret 'api-keys' as environment variables "
                    "(mount it as a file)"),
        ("warning", "runs as the default service account with its token mounted (give it its own "
                    "ServiceAccount, or set automountServiceAccountToken: false)"),
    ]
    off = dict(read_only_root_filesystem="off", secrets_in_env=False, default_service_account="off")
    assert _messages(APP, **off) == []


def test_service_account_token_only_where_no_binding_uses_it() -> None:
    own = APP.replace("      containers:", "      serviceAccountName: web\n      containers:")
    only = dict(read_only_root_filesystem="off", secrets_in_env="off")
    assert _messages(own, **only) == [
        ("warning", "mounts the token of service account 'web', which no role binding here names "
                    "(set automountServiceAccountToken: false)")]
    binding = own + """
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: web, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: leader-election}
subjects: [{kind: ServiceAccount, name: web, namespace: shop}]
"""
    assert _messages(binding, **only) == []
    sa_off = own + """
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}
automountServiceAccountToken: false
"""
    assert _messages(sa_off, **only) == []
    default_bound = APP.replace("{name: web, namespace: shop}\nspec", "{name: web, namespace: shop}\nspec") + \
        binding.split("---", 1)[1].replace("name: web, namespace: shop}]", "name: default}]")
    found = [m for _l, m in _messages(default_bound, **only)]
    assert "grants Role 'leader-election' to the default service account of namespace 'shop': " \
           "every pod there gets it (bind a dedicated ServiceAccount)" in found


def test_strict_preset_makes_the_options_errors_and_level_warning_demotes() -> None:
    strict = run([Context("prod", _objs(APP))], rules({"preset": "strict"}))
    assert {f.level for f in strict.findings if f.check == "hardening"} == {"error"}
    default = run([Context("prod", _objs(APP))], rules({}))
    assert {f.level for f in default.findings if f.check == "hardening"} == {"warning"}
    root = APP.replace("runAsNonRoot: true", "runAsNonRoot: false")
    demoted = run([Context("prod", _objs(root))], rules({"rules": {"hardening": {"level": "warning"}}}))
    assert {f.level for f in demoted.findings if f.check == "hardening"} == {"warning"}
    raised = run([Context("prod", _objs(root))], rules({}))
    assert "error" in {f.level for f in raised.findings if f.check == "hardening"}
