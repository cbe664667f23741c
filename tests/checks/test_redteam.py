"""Red-team cases: broken trees each check must catch, realistic trees it must pass."""

from __future__ import annotations

import yaml

from lamina.checks import registry
from lamina.checks.base import Context, Obj
from lamina.checks.config import rules
from lamina.checks.runner import run

CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
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
            properties:
              size: {type: integer}
              color: {type: string, nullable: true}
              port: {x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}]}
              extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
              labels: {type: object, additionalProperties: {type: string}}
              template: {type: object, x-kubernetes-embedded-resource: true,
                         x-kubernetes-preserve-unknown-fields: true}
          status: {type: object}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w1, labels: {a: b}}
spec:
  size: 3
  color: null
  port: http
  extra: {anything: [1, 2]}
  labels: {a: b}
  template: {apiVersion: v1, kind: Pod, metadata: {name: x}}
"""


def _objs(text: str) -> tuple[Obj, ...]:
    return tuple(Obj(d) for d in yaml.safe_load_all(text) if d)


def _findings(check_id: str, text: str, **ctx) -> list:
    module = registry.load(check_id)
    context = Context(environment="prod", objects=_objs(text), **ctx)
    return list(module.check(context, module.Options()))


def _errors(check_id: str, text: str, **ctx) -> list:
    """The findings at error level (hardening's warning-level options aside)."""
    return [f for f in _findings(check_id, text, **ctx) if f.level == "error"]


def test_custom_resource_matching_its_crd_passes() -> None:
    assert _findings("schema", CRD) == []


def test_typo_in_custom_resource_is_caught() -> None:
    found = _findings("schema", CRD.replace("  size: 3\n", "  size: 3\n  colour: red\n"))
    assert [f.check for f in found] == ["schema"] and "colour" in found[0].message
    found = _findings("schema", CRD.replace("metadata: {name: w1, labels", "metadata: {name: w1, label"))
    assert len(found) == 1 and "label" in found[0].message


def test_schema_messages_never_show_secret_values() -> None:
    secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: 12345678}\n"
    found = _findings("schema", secret)
    assert found and all("12345678" not in f.message for f in found)


def test_builtin_group_without_schema_is_an_error_not_skipped() -> None:
    text = ("apiVersion: apps/v1beta1\nkind: Deployment\nmetadata: {name: web}\n---\n"
            "apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: web}\n")
    result = run([Context("prod", _objs(text))], rules({}))
    schema = [f for f in result.errors() if f.check == "schema"]
    assert len(schema) == 2 and "apps/v1beta1" in schema[0].message + schema[1].message
    assert "prod" not in result.skipped


ROLLOUT = """
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{containerPort: 8080, name: http}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
"""


def test_services_selecting_argo_rollout_pods_pass() -> None:
    assert _findings("service-selector", ROLLOUT) == []
    assert _findings("service-target-port", ROLLOUT) == []
    bad = _findings("service-target-port", ROLLOUT.replace("targetPort: http", "targetPort: 9090"))
    assert [f.check for f in bad] == ["service-target-port"] and "Rollout/web" in bad[0].message


KUBEBUILDER = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: manager, namespace: sys}
spec:
  selector: {matchLabels: {control-plane: manager}}
  template:
    metadata: {labels: {control-plane: manager}}
    spec:
      containers:
      - name: manager
        image: controller:v0.1.0
        args: [--metrics-bind-address=:8443, --health-probe-bind-address=:8081]
        ports: [{containerPort: 9443, name: webhook-server}]
        volumeMounts: [{name: cert, mountPath: /tmp/k8s-webhook-server/serving-certs}]
      volumes:
      - name: cert
        secret: {secretName: webhook-server-cert}
---
apiVersion: v1
kind: Service
metadata: {name: metrics, namespace: sys}
spec:
  selector: {control-plane: manager}
  ports: [{name: https, port: 8443, targetPort: 8443}]
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: serving-cert, namespace: sys}
spec:
  dnsNames: [webhook.sys.svc]
  issuerRef: {kind: Issuer, name: selfsigned}
  secretName: webhook-server-cert
"""


def test_kubebuilder_metrics_port_bound_by_args_passes() -> None:
    assert _findings("service-target-port", KUBEBUILDER) == []
    bad = _findings("service-target-port", KUBEBUILDER.replace("targetPort: 8443", "targetPort: 8444"))
    assert [f.check for f in bad] == ["service-target-port"]


def test_secret_written_by_a_certificate_or_external_secret_is_not_dangling() -> None:
    assert _findings("dangling-reference", KUBEBUILDER) == []
    no_cert = KUBEBUILDER.replace("secretName: webhook-server-cert\n", "secretName: other\n")
    assert [f.check for f in _findings("dangling-reference", no_cert)] == ["dangling-reference"]
    es = KUBEBUILDER.split("---\napiVersion: cert-manager")[0] + (
        "---\napiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\n"
        "metadata: {name: x, namespace: sys}\nspec: {target: {name: webhook-server-cert}}\n")
    assert _findings("dangling-reference", es) == []
    sealed = KUBEBUILDER.split("---\napiVersion: cert-manager")[0] + (
        "---\napiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\n"
        "metadata: {name: webhook-server-cert, namespace: sys}\nspec: {encryptedData: {a: b}}\n")
    assert _findings("dangling-reference", sealed) == []


def test_numeric_target_port_of_containers_declaring_no_ports_is_not_flagged() -> None:
    text = KUBEBUILDER.replace("        ports: [{containerPort: 9443, name: webhook-server}]\n", "") \
        .replace("targetPort: 8443", "targetPort: 9000")
    assert _findings("service-target-port", text) == []


def test_null_fields_of_custom_resources_are_pruned_not_failed() -> None:
    sample = CRD.replace("spec:\n  size: 3\n  color: null", "status: null\nspec:\n  size: null\n  color: null")
    assert _findings("schema", sample) == []


OPERATOR = """
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata: {name: k8s, namespace: monitoring}
spec:
  podMetadata:
    labels: {app.kubernetes.io/name: prometheus, app.kubernetes.io/component: prometheus}
---
apiVersion: v1
kind: Service
metadata: {name: prometheus-k8s, namespace: monitoring}
spec:
  selector: {app.kubernetes.io/name: prometheus, app.kubernetes.io/instance: k8s}
  ports: [{name: web, port: 9090, targetPort: web}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: prometheus-k8s, namespace: monitoring}
spec:
  minAvailable: 1
  selector: {matchLabels: {app.kubernetes.io/name: prometheus, app.kubernetes.io/instance: k8s}}
---
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata: {name: pg, namespace: monitoring}
spec: {instances: 3}
---
apiVersion: v1
kind: Service
metadata: {name: pg-ro, namespace: monitoring}
spec:
  selector: {cnpg.io/cluster: pg}
  ports: [{port: 5432}]
"""


def test_services_and_pdbs_selecting_operator_managed_pods_pass() -> None:
    assert _findings("service-selector", OPERATOR) == []
    assert _findings("scale-target", OPERATOR) == []
    assert _findings("service-target-port", OPERATOR) == []
    typo = OPERATOR.replace("selector: {app.kubernetes.io/name: prometheus, app",
                            "selector: {app.kubernetes.io/name: promethues, app")
    assert [f.check for f in _findings("service-selector", typo)] == ["service-selector"]


def test_a_non_zero_run_as_user_is_not_root() -> None:
    pod = """
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  securityContext: {runAsUser: 1000}
  containers:
  - {name: a, image: nginx:1.27}
  - {name: b, image: nginx:1.27, securityContext: {runAsUser: 0}}
"""
    found = _errors("hardening", pod)
    assert [f.message for f in found] == ["container 'b' runs as user 0"]
    single = pod.replace("  securityContext: {runAsUser: 1000}\n", "").replace(
        "  - {name: a, image: nginx:1.27}\n", "  - {name: a, image: nginx:1.27, securityContext: {runAsUser: 101}}\n")
    assert [f.message for f in _errors("hardening", single)] == ["container 'b' runs as user 0"]
    unset = single.replace(", securityContext: {runAsUser: 0}", "")
    assert [f.message for f in _errors("hardening", unset)] == [
        "container 'b' may run as root (set runAsNonRoot: true)"]


def test_privileged_capabilities_are_a_hardening_error() -> None:
    pod = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {runAsNonRoot: true}\n"
           "  containers:\n  - {name: a, image: nginx:1.27, securityContext: {capabilities: {add: [SYS_ADMIN]}}}\n")
    assert [f.message for f in _errors("hardening", pod)] == [
        "container 'a' adds capabilities SYS_ADMIN (as good as privileged)"]
    assert _errors("hardening", pod.replace("SYS_ADMIN", "NET_BIND_SERVICE")) == []


RBAC = """
apiVersion: v1
kind: ServiceAccount
metadata: {name: app, namespace: shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: shop}
rules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: app-reader, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{kind: ServiceAccount, name: app}, {kind: Group, name: devs}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: app-view, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: app, namespace: shop}]
"""


def test_rolebindings_to_missing_roles_and_service_accounts_dangle() -> None:
    assert _findings("dangling-reference", RBAC) == []
    found = _findings("dangling-reference", RBAC.replace("name: reader}", "name: raeder}"))
    assert [f.resource for f in found] == ["RoleBinding/shop/app-reader"] and "raeder" in found[0].message
    found = _findings("dangling-reference", RBAC.replace("kind: ServiceAccount, name: app}",
                                                         "kind: ServiceAccount, name: ap}"))
    assert [f.resource for f in found] == ["RoleBinding/shop/app-reader"] and "'ap'" in found[0].message
    other_ns = RBAC.replace("name: app, namespace: shop}]", "name: app, namespace: elsewhere}]")
    assert _findings("dangling-reference", other_ns) == []   # a namespace this tree does not render


def test_credentials_named_as_such_in_configmaps_and_env_are_warned_about() -> None:
    text = """
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {DB_PASSWORD: hunter2, PASSWORD_FILE: /run/secrets/pw, TOKEN_URL: "https://x/token",
       api-key: "", LOG_LEVEL: info, admin_password: "${ADMIN_PASSWORD}"}
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: a
    image: x:1
    env: [{name: API_TOKEN, value: abc123def}, {name: TOKEN_TTL, value: "3600"}]
"""
    found = _findings("high-entropy", text)
    assert sorted(f.message.split(" looks")[0] for f in found) == [
        "container 'a' env 'API_TOKEN'", "data key 'DB_PASSWORD'"]
    assert all("hunter2" not in f.message and "abc123def" not in f.message for f in found)


def test_tcp_and_tls_routes_are_checked_and_external_name_services_have_no_ports_to_match() -> None:
    text = """
apiVersion: v1
kind: Service
metadata: {name: db}
spec: {ports: [{name: pg, port: 5432}], selector: {app: db}}
---
apiVersion: v1
kind: Service
metadata: {name: ext}
spec: {type: ExternalName, externalName: api.example.com}
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {name: db}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: db, port: 5433}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ext}
spec:
  rules: [{backendRefs: [{name: ext, port: 443}]}]
"""
    found = _findings("ingress-backend", text)
    assert [(f.resource, "5433" in f.message) for f in found] == [("TCPRoute/db", True)]


def test_secret_placeholders_with_empty_values_are_not_plaintext() -> None:
    text = ("apiVersion: v1\nkind: Secret\nmetadata: {name: tls}\ntype: kubernetes.io/tls\n"
            "data: {tls.crt: '', tls.key: ''}\n")
    assert _findings("plaintext-secret", text) == []
    assert len(_findings("plaintext-secret", text.replace("tls.key: ''", "tls.key: a2V5"))) == 1


def test_istio_and_gateway_hosts_are_hosts() -> None:
    from lamina.checks.cross_environment import hosts_of
    vs = _objs("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v}\n"
               "spec: {hosts: [dev.shop.example.com]}\n---\n"
               "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\n"
               "spec: {servers: [{hosts: [ns/dev.api.example.com]}]}\n---\n"
               "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\n"
               "spec: {listeners: [{name: l, hostname: dev.gw.example.com}]}\n")
    assert [hosts_of(o) for o in vs] == [["dev.shop.example.com"], ["dev.api.example.com"],
                                         ["dev.gw.example.com"]]


def test_malformed_objects_are_reported_by_schema_not_a_crash() -> None:
    text = ROLLOUT.replace("ports: [{port: 80, targetPort: http}]", "ports: 80") + (
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n"
        "spec: {selector: {matchLabels: [a]}, template: {spec: {containers: 5}}}\n---\n"
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: rb}\n"
        "roleRef: {kind: Role, name: {x: 1}}\nsubjects: 7\n")
    result = run([Context("prod", _objs(text))], rules({"preset": "strict"}))
    assert {f.check for f in result.errors()} >= {"schema"}
    assert not [f for f in result.findings if "could not run" in f.message]


def test_an_env_port_does_not_excuse_a_container_port_mismatch() -> None:
    text = ROLLOUT.replace("ports: [{containerPort: 8080, name: http}]",
                           "ports: [{containerPort: 8081, name: http}]\n        env: [{name: PORT, value: '8080'}]"
                           ).replace("targetPort: http", "targetPort: 8080")
    assert [f.check for f in _findings("service-target-port", text)] == ["service-target-port"]
