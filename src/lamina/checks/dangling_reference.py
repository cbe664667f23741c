"""dangling-reference: a ConfigMap, Secret, PersistentVolumeClaim or ServiceAccount that a pod
uses exists in the rendered environment, unless the reference is `optional: true` or the
object is declared external in lamina.yaml (`external: [{kind: Secret, name: db-creds,
namespace: shop}]`).

Checked pod references: volumes (configMap, secret, persistentVolumeClaim, projected
sources), env valueFrom (configMapKeyRef, secretKeyRef), envFrom, imagePullSecrets and
serviceAccountName. The `default` ServiceAccount always exists. Also checked: a
RoleBinding's roleRef to a Role, and (Cluster)RoleBinding subject ServiceAccounts in the
namespaces this environment renders into.

A Secret that a rendered object writes counts as present: a SealedSecret, an
ExternalSecret's target, a cert-manager Certificate's secretName, and generally a custom
resource's `secretName` or `writeConnectionSecretToRef` (Crossplane).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from lamina.checks.base import ERROR, Context, Finding, Obj, containers, pod_spec_path, pod_template
from lamina.yaml.positions import FieldPath

ID = "dangling-reference"
LEVEL = ERROR


@dataclass(frozen=True)
class Options:
    pass


def references(spec: dict[str, Any]) -> Iterator[tuple[str, str, bool, str]]:
    """(kind, name, optional, where) for every object a pod spec refers to."""
    for kind, name, optional, where, _at in references_at(spec):
        yield kind, name, optional, where


def _named(field: str, items: list[Any], item: Any) -> FieldPath:
    name = item.get("name") if isinstance(item, dict) else None
    if isinstance(name, str):
        return (field, ("name", name))
    return (field, next((i for i, x in enumerate(items) if x is item), 0))


def references_at(spec: dict[str, Any]) -> Iterator[tuple[str, str, bool, str, FieldPath]]:
    """references(), each with the path (from the pod spec) of the field naming the object."""
    vols = spec.get("volumes") or []
    for vol in vols:
        if not isinstance(vol, dict):
            continue
        where = f"volume '{vol.get('name')}'"
        at = _named("volumes", vols, vol)
        if isinstance(vol.get("configMap"), dict):
            yield "ConfigMap", vol["configMap"].get("name", ""), bool(vol["configMap"].get("optional")), \
                where, at + ("configMap", "name")
        if isinstance(vol.get("secret"), dict):
            yield "Secret", vol["secret"].get("secretName", ""), bool(vol["secret"].get("optional")), \
                where, at + ("secret", "secretName")
        if isinstance(vol.get("persistentVolumeClaim"), dict):
            yield "PersistentVolumeClaim", vol["persistentVolumeClaim"].get("claimName", ""), False, \
                where, at + ("persistentVolumeClaim", "claimName")
        for n, src in enumerate((vol.get("projected") or {}).get("sources") or []):
            for kind, key in (("ConfigMap", "configMap"), ("Secret", "secret")):
                if isinstance((src or {}).get(key), dict):
                    yield kind, src[key].get("name", ""), bool(src[key].get("optional")), where, \
                        at + ("projected", "sources", n, key, "name")
    for field, c in containers(spec):
        cname = f"{field[:-1]} '{c.get('name')}'"
        c_at = _named(field, spec.get(field) or [], c)
        envs = c.get("env") or []
        for env in envs:
            vf = (env or {}).get("valueFrom") or {}
            for kind, key in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
                if isinstance(vf.get(key), dict):
                    yield kind, vf[key].get("name", ""), bool(vf[key].get("optional")), \
                        f"{cname} env {env.get('name')}", \
                        c_at + _named("env", envs, env) + ("valueFrom", key, "name")
        for n, ef in enumerate(c.get("envFrom") or []):
            for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                if isinstance((ef or {}).get(key), dict):
                    yield kind, ef[key].get("name", ""), bool(ef[key].get("optional")), \
                        f"{cname} envFrom", c_at + ("envFrom", n, key, "name")
    for n, ips in enumerate(spec.get("imagePullSecrets") or []):
        if isinstance(ips, dict) and ips.get("name"):
            yield "Secret", ips["name"], False, "imagePullSecrets", ("imagePullSecrets", n, "name")
    key = "serviceAccountName" if spec.get("serviceAccountName") else "serviceAccount"
    sa = spec.get(key)
    if sa and sa != "default":
        yield "ServiceAccount", sa, False, "serviceAccountName", (key,)


def _rbac_references(obj: Obj) -> Iterator[tuple[str, str, str, str]]:
    """(kind, namespace, name, where) of the Role and ServiceAccounts a binding names."""
    ref = obj.data["roleRef"] if isinstance(obj.data.get("roleRef"), dict) else {}
    if obj.kind == "RoleBinding" and ref.get("kind") == "Role" and ref.get("name") and \
            obj.namespace not in ("kube-system", "kube-public") and \
            not str(ref["name"]).startswith("system:"):   # bootstrap Roles the cluster has
        yield "Role", obj.namespace, str(ref["name"]), "roleRef"
    for i, subject in enumerate(obj.data.get("subjects") or []):
        if isinstance(subject, dict) and subject.get("kind") == "ServiceAccount" and subject.get("name") \
                and subject.get("name") != "default":
            ns = subject.get("namespace") or obj.namespace
            yield "ServiceAccount", str(ns), str(subject["name"]), f"subjects[{i}]"


_SECRET_WRITERS = {"SealedSecret", "ExternalSecret", "PushSecret", "OnePasswordItem",
                   "VaultStaticSecret", "VaultDynamicSecret", "VaultPKISecret", "InfisicalSecret",
                   "DopplerSecret", "AWSSecret", "GCPSecret", "AzureKeyVaultSecret"}


def _written_secrets(obj: Obj) -> Iterator[str]:
    """Names of Secrets a custom resource makes exist (controllers write them)."""
    if (not obj.group or obj.group in _BUILTIN) and obj.kind not in _SECRET_WRITERS:
        return
    spec = obj.data["spec"] if isinstance(obj.data.get("spec"), dict) else {}
    if obj.kind in _SECRET_WRITERS:
        yield obj.name
        tmpl = ((spec.get("template") or {}).get("metadata") or {}) if isinstance(spec.get("template"), dict) else {}
        if isinstance(tmpl, dict) and tmpl.get("name"):
            yield str(tmpl["name"])
        for key in ("target", "destination"):
            ref = spec.get(key)
            if isinstance(ref, dict) and ref.get("name"):
                yield str(ref["name"])

    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "secretName" and isinstance(v, str):
                    yield v
                elif k == "writeConnectionSecretToRef" and isinstance(v, dict) \
                        and isinstance(v.get("name"), str):
                    yield v["name"]
                else:
                    yield from walk(v)
        elif isinstance(node, list):
            for v in node:
                yield from walk(v)
    if obj.group and obj.group not in _BUILTIN and pod_template(obj) is None:
        yield from walk(spec)


_BUILTIN = {"apps", "batch", "policy", "autoscaling", "extensions", "networking.k8s.io",
            "rbac.authorization.k8s.io", "storage.k8s.io", "apiextensions.k8s.io",
            "admissionregistration.k8s.io", "scheduling.k8s.io", "coordination.k8s.io",
            "discovery.k8s.io", "node.k8s.io", "certificates.k8s.io", "events.k8s.io",
            "gateway.networking.k8s.io"}


def check(ctx: Context, options: Options) -> Iterator[Finding]:
    present = {(o.kind, o.namespace, o.name) for o in ctx.objects}
    present |= {("Secret", o.namespace, name) for o in ctx.objects for name in _written_secrets(o)}
    external = {(e.get("kind"), e.get("namespace", ""), e.get("name")) for e in ctx.external}
    external_any_ns = {(e.get("kind"), e.get("name")) for e in ctx.external if "namespace" not in e}
    namespaces = {o.namespace for o in ctx.objects if o.namespace}
    for obj in ctx.objects:
        if obj.kind in ("RoleBinding", "ClusterRoleBinding") and obj.group == "rbac.authorization.k8s.io":
            for kind, ns, name, where in _rbac_references(obj):
                if ns not in namespaces or (kind, ns, name) in present or \
                        (kind, ns, name) in external or (kind, name) in external_any_ns:
                    continue
                yield ctx.finding(ID, LEVEL, obj, f"{where} refers to {kind} '{name}', which is not "
                                  f"in namespace '{ns}' of this environment (or declare it under "
                                  "external: in lamina.yaml)", (f"{kind}/{ns}/{name}",),
                                  at=_binding_field(where))
            continue
        tpl = pod_template(obj)
        if tpl is None:
            continue
        for kind, name, optional, where, at in references_at(tpl[1]):
            if optional or not name:
                continue
            key = (kind, obj.namespace, name)
            if key in present or key in external or (kind, name) in external_any_ns:
                continue
            yield ctx.finding(ID, LEVEL, obj, f"{where} refers to {kind} '{name}', which is not in "
                              f"namespace '{obj.namespace or 'default'}' of this environment (mark it "
                              "optional, or declare it under external: in lamina.yaml)",
                              at=pod_spec_path(obj) + at)


def _binding_field(where: str) -> FieldPath:
    """`roleRef` / `subjects[2]` (as _rbac_references words it) -> the field naming it."""
    if where.startswith("subjects["):
        return ("subjects", int(where[9:-1]), "name")
    return ("roleRef", "name")
