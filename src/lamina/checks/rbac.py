"""rbac: Roles and ClusterRoles grant no more than they name, and nobody binds
cluster-admin to a service account.

A rule is reported when it
- uses a wildcard (`*`, or `*/scale` for a subresource of every resource) in `verbs`,
  `resources` or `apiGroups` (it grants every verb or resource, including ones added
  later);
- grants `escalate`, `bind` or `impersonate` (each lets the holder gain rights it does not
  have: edit roles beyond its own, bind any role, act as another user or account);
- lets a ClusterRole read all Secrets (`get`, `list` or `watch` on `secrets` with no
  `resourceNames`): every credential of the cluster (a wildcard rule is reported once,
  as a wildcard); or lets a Role do so in `kube-system`, where the control plane's own
  credentials live (a Role elsewhere reads only its namespace's Secrets, which a
  controller often needs for its webhook certificates or leader election);

and a RoleBinding or ClusterRoleBinding is reported when it gives the `cluster-admin`
ClusterRole to a ServiceAccount (a pod that is compromised owns the cluster).

ClusterRoles that only aggregate others (`aggregationRule`, no rules of their own) are
judged by the roles they aggregate. A controller that must do one of these (cert-manager
reads Secrets cluster-wide) says so with `lamina.dev/ignore-checks: "rbac: <why>"`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from lamina.checks.base import ERROR, Context, Finding

ID = "rbac"
LEVEL = ERROR
_RBAC = "rbac.authorization.k8s.io"
_DANGEROUS = ("escalate", "bind", "impersonate")
_READ = {"get", "list", "watch", "*"}


@dataclass(frozen=True)
class Options:
    pass


def _strs(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _rule_problems(kind: str, rule: dict[str, Any], namespace: str = "") -> Iterator[str]:
    verbs, resources = _strs(rule.get("verbs")), _strs(rule.get("resources"))
    groups = _strs(rule.get("apiGroups"))
    # `*/scale` (a subresource of every resource) is as much a wildcard as `*`.
    wild = [f for f, v in (("verbs", verbs), ("resources", resources), ("apiGroups", groups))
            if any(x == "*" or x.startswith("*/") for x in v)]
    if wild:
        yield f"uses a wildcard in {' and '.join(wild)} (name the verbs and resources it needs)"
    dangerous = [v for v in _DANGEROUS if v in verbs]
    if dangerous:
        yield (f"grants {', '.join(dangerous)} (lets the holder gain rights it does not have; "
               "grant the roles it needs instead)")
    secrets = any(r in ("secrets", "*") for r in resources) and \
        any(g in ("", "*") for g in groups)
    if wild or not secrets or not _READ & set(verbs) or rule.get("resourceNames"):
        return
    if kind == "ClusterRole":
        yield ("can read every Secret in the cluster (limit it with resourceNames, or use a Role "
               "in the namespaces it needs)")
    elif namespace == "kube-system":
        yield ("can read every Secret in namespace kube-system, where the cluster's own "
               "credentials live (limit it with resourceNames)")


def check(ctx: Context, options: Options) -> Iterator[Finding]:
    for obj in ctx.objects:
        if obj.group != _RBAC:
            continue
        if obj.kind in ("Role", "ClusterRole"):
            for i, rule in enumerate(obj.data.get("rules") or []):
                if isinstance(rule, dict):
                    for problem in _rule_problems(obj.kind, rule, obj.namespace):
                        yield ctx.finding(ID, LEVEL, obj, f"rules[{i}] {problem}",
                                          at=("rules", i))
        elif obj.kind in ("RoleBinding", "ClusterRoleBinding"):
            ref = obj.data["roleRef"] if isinstance(obj.data.get("roleRef"), dict) else {}
            if ref.get("kind") != "ClusterRole" or ref.get("name") != "cluster-admin":
                continue
            for i, s in enumerate(obj.data.get("subjects") or []):
                if isinstance(s, dict) and s.get("kind") == "ServiceAccount":
                    yield ctx.finding(ID, LEVEL, obj, f"binds cluster-admin to service account "
                                      f"'{s.get('namespace') or obj.namespace}/{s.get('name')}' "
                                      "(bind a role with only the rights it needs)",
                                      at=("subjects", i))
