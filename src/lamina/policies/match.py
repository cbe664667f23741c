"""Which objects a policy applies to: resource rules, kinds, names, namespaces, selectors.

Every rendered object is treated as an admission request to CREATE it (lamina has no
live cluster, so there is no old object and no UPDATE without one). Namespaces' labels
come from the environment's own render; a namespace it does not render has only the
label Kubernetes puts on every namespace (kubernetes.io/metadata.name).
"""

from __future__ import annotations

import fnmatch
from typing import Any, Callable

OPERATION = "CREATE"

# Kinds whose objects are not in a namespace (the built-in ones; a custom kind counts as
# cluster-scoped when the object carries no namespace).
CLUSTER_SCOPED = frozenset({
    "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding",
    "CustomResourceDefinition", "StorageClass", "PriorityClass", "IngressClass", "RuntimeClass",
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService",
    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "CSIDriver", "CSINode",
    "VolumeAttachment", "CertificateSigningRequest", "PodSecurityPolicy", "ClusterIssuer",
    "ConstraintTemplate", "ClusterPolicy", "FlowSchema", "PriorityLevelConfiguration",
    "ComponentStatus", "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding",
})
_IRREGULAR = {"Endpoints": "endpoints", "NetworkPolicy": "networkpolicies",
              "Ingress": "ingresses", "IngressClass": "ingressclasses",
              "PodSecurityPolicy": "podsecuritypolicies", "StorageClass": "storageclasses",
              "PriorityClass": "priorityclasses", "RuntimeClass": "runtimeclasses",
              "ResourceQuota": "resourcequotas"}


def plural(kind: str) -> str:
    """The resource name of a kind (Deployment -> deployments), as the API server names it."""
    if kind in _IRREGULAR:
        return _IRREGULAR[kind]
    low = kind.lower()
    if low.endswith(("s", "x", "z", "ch", "sh")):
        return low + "es"
    if low.endswith("y") and low[-2:-1] not in ("a", "e", "i", "o", "u"):
        return low[:-1] + "ies"
    return low + "s"


def is_namespaced(obj: Any) -> bool:
    return bool(obj.namespace) or (obj.kind not in CLUSTER_SCOPED and not obj.group.endswith(
        "gatekeeper.sh"))


def namespace_of(obj: Any) -> str:
    """The namespace an object is created in ('' for cluster-scoped; 'default' when unset)."""
    if obj.namespace:
        return obj.namespace
    return "default" if is_namespaced(obj) else ""


def version_of(obj: Any) -> str:
    return obj.api_version.rpartition("/")[2]


def selector_matches(selector: Any, labels: dict[str, Any]) -> bool:
    """A LabelSelector against labels; an absent or empty selector matches everything
    (as admission matching reads it, unlike a Service's)."""
    if not isinstance(selector, dict) or not selector:
        return True
    from lamina.model.labels import label_selector_matches
    return label_selector_matches(selector, labels if isinstance(labels, dict) else {})


class Namespaces:
    """The environment's namespaces and their labels, from its Namespace objects."""

    def __init__(self, objects: tuple[Any, ...]):
        self.objects = {o.name: o for o in objects if o.kind == "Namespace" and o.api_version == "v1"}
        self._made: dict[str, dict[str, Any]] = {}

    def object(self, name: str) -> dict[str, Any] | None:
        """The Namespace object (the same dict each time: CEL converts it once)."""
        if not name:
            return None
        found = self.objects.get(name)
        if found is not None:
            return found.data
        made = self._made.get(name)
        if made is None:
            made = self._made[name] = {"apiVersion": "v1", "kind": "Namespace", "metadata": {
                "name": name, "labels": {"kubernetes.io/metadata.name": name}}}
        return made

    def labels(self, name: str) -> dict[str, Any]:
        ns = self.object(name) or {}
        labels = dict((ns.get("metadata") or {}).get("labels") or {})
        if name:
            labels.setdefault("kubernetes.io/metadata.name", name)
        return labels

    def labels_for(self, obj: Any) -> dict[str, Any] | None:
        """The labels a namespaceSelector is matched against: the object's own for a
        Namespace, its namespace's otherwise; None for other cluster-scoped objects."""
        if obj.kind == "Namespace":
            labels = dict(obj.labels())
            labels.setdefault("kubernetes.io/metadata.name", obj.name)
            return labels
        if not is_namespaced(obj):
            return None
        return self.labels(namespace_of(obj))


def _glob_any(patterns: Any, value: str) -> bool:
    return any(p == "*" or str(p) == value for p in patterns or [])


def rule_matches(rule: dict[str, Any], obj: Any, names: bool = True) -> bool:
    """One admissionregistration RuleWithOperations (or NamedRuleWithOperations); with
    names=False, as if it listed no resourceNames."""
    ops = rule.get("operations") or ["*"]
    if not any(o in ("*", OPERATION) for o in ops):
        return False
    if not _glob_any(rule.get("apiGroups"), obj.group):
        return False
    if not _glob_any(rule.get("apiVersions"), version_of(obj)):
        return False
    resources = [str(r) for r in rule.get("resources") or []]
    res = plural(obj.kind)
    if not any(r in ("*", "*/*", res) for r in resources):
        return False
    listed = rule.get("resourceNames") if names else None
    if listed and obj.name not in listed:
        return False
    scope = rule.get("scope") or "*"
    namespaced = is_namespaced(obj)
    return scope == "*" or (scope == "Namespaced") == namespaced


def match_resources(spec: Any, obj: Any, namespaces: Namespaces, rules: bool = True) -> bool:
    """A ValidatingAdmissionPolicy's matchConstraints or a binding's matchResources
    (rules=False: its resourceRules are known to match already)."""
    if not isinstance(spec, dict):
        return True
    ns_labels = namespaces.labels_for(obj)
    if ns_labels is not None and not selector_matches(spec.get("namespaceSelector"), ns_labels):
        return False
    if not selector_matches(spec.get("objectSelector"), obj.labels()):
        return False
    listed = spec.get("resourceRules") if rules else None
    if listed is not None and not any(rule_matches(r, obj) for r in listed if isinstance(r, dict)):
        return False
    excluded = spec.get("excludeResourceRules") or []
    return not any(rule_matches(r, obj) for r in excluded if isinstance(r, dict))


def kinds_match(spec: Any, obj: Any) -> bool:
    """The part of match_resources that reads only the object's apiVersion, kind and
    scope (its resource rules, less resourceNames): False only where it is False."""
    if not isinstance(spec, dict):
        return True
    rules = spec.get("resourceRules")
    return rules is None or any(rule_matches(r, obj, names=False) for r in rules if isinstance(r, dict))


def _selects(selector: Any) -> bool:
    """Whether a selector can refuse anything (selector_matches: only a non-empty mapping)."""
    return isinstance(selector, dict) and bool(selector)


def rules_only(spec: Any) -> bool:
    """Whether match_resources(spec, ...) is exactly kinds_match(spec, ...): no selector,
    no excluded rules and no resourceNames. Then the kind index's answer is final."""
    if not isinstance(spec, dict):
        return True
    rules = spec.get("resourceRules") or []
    return not (_selects(spec.get("namespaceSelector")) or _selects(spec.get("objectSelector"))
                or any(isinstance(r, dict) for r in spec.get("excludeResourceRules") or [])
                or any(isinstance(r, dict) and r.get("resourceNames") for r in rules))


def wildcard(pattern: str, value: str) -> bool:
    """Kyverno's and Gatekeeper's `*` and `?` wildcards."""
    return fnmatch.fnmatchcase(value, pattern)


def gatekeeper_kinds_match(match: Any, obj: Any) -> bool:
    """The part of gatekeeper_matches that reads only the object's apiVersion, kind and
    scope."""
    if not isinstance(match, dict):
        return True
    kinds = match.get("kinds")
    if kinds:
        if not any(_glob_any(k.get("apiGroups") or ["*"], obj.group) and
                   _glob_any(k.get("kinds") or ["*"], obj.kind) for k in kinds if isinstance(k, dict)):
            return False
    scope = match.get("scope") or "*"
    return scope == "*" or (scope == "Namespaced") == is_namespaced(obj)


class KindIndex:
    """Which of some candidates (policies, rules, constraints) can apply to an object, by
    a test that reads only its apiVersion, kind and whether it is namespaced: the test
    runs once per distinct triple, not once per object, and an object meets only the
    candidates that can match it."""

    def __init__(self, items: list[Any], test: Callable[[Any, Any], bool]):
        self.items = items
        self.test = test
        self._memo: dict[tuple[str, str, bool], list[Any]] = {}

    def candidates(self, obj: Any) -> list[Any]:
        key = (obj.api_version, obj.kind, bool(obj.namespace))
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = [it for it in self.items if self.test(it, obj)]
        return found


def gatekeeper_kinds_only(match: Any) -> bool:
    """Whether gatekeeper_matches(match, ...) is exactly gatekeeper_kinds_match(match, ...)
    (no namespaces, name or selectors): then the kind index's answer is final."""
    if not isinstance(match, dict):
        return True
    return (match.get("namespaces") is None and not match.get("excludedNamespaces")
            and not match.get("name") and not _selects(match.get("labelSelector"))
            and not match.get("namespaceSelector"))


def gatekeeper_matches(match: Any, obj: Any, namespaces: Namespaces) -> bool:
    """A Gatekeeper Constraint's spec.match."""
    if not isinstance(match, dict):
        return True
    if not gatekeeper_kinds_match(match, obj):
        return False
    ns = obj.name if obj.kind == "Namespace" else namespace_of(obj)
    if match.get("namespaces") is not None and is_namespaced(obj) or (
            obj.kind == "Namespace" and match.get("namespaces") is not None):
        if not any(wildcard(str(p), ns) for p in match.get("namespaces") or []):
            return False
    if match.get("excludedNamespaces") and ns and any(
            wildcard(str(p), ns) for p in match["excludedNamespaces"]):
        return False
    if match.get("name") and not wildcard(str(match["name"]), obj.name):
        return False
    if not selector_matches(match.get("labelSelector"), obj.labels()):
        return False
    ns_labels = namespaces.labels_for(obj)
    if match.get("namespaceSelector") and ns_labels is not None and \
            not selector_matches(match["namespaceSelector"], ns_labels):
        return False
    return True
