"""Which objects a Kyverno rule applies to: its match and exclude blocks (kinds, names,
namespaces, selectors, annotations, operations), and the pod template of a pod controller
that an autogen rule looks at."""

from __future__ import annotations

from typing import Any

from lamina.policies.match import namespace_of, selector_matches, wildcard
from lamina.policies.model import Env, get_path

POD_CONTROLLERS = {"Deployment": ("spec", "template"), "DaemonSet": ("spec", "template"),
                   "StatefulSet": ("spec", "template"), "Job": ("spec", "template"),
                   "ReplicaSet": ("spec", "template"), "ReplicationController": ("spec", "template"),
                   "CronJob": ("spec", "jobTemplate", "spec", "template")}


class PodView:
    """A pod controller's template as the Pod an autogen rule looks at."""

    def __init__(self, obj: Any, path: tuple[str, ...]):
        tpl = get_path(obj.data, *path) or {}
        md = dict(tpl.get("metadata") or {})
        md.setdefault("namespace", obj.namespace) if obj.namespace else None
        self.data = {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": tpl.get("spec") or {}}
        self.kind, self.api_version, self.group = "Pod", "v1", ""
        self.name, self.namespace, self.metadata = obj.name, obj.namespace, md

    def labels(self) -> dict:
        v = self.metadata.get("labels")
        return v if isinstance(v, dict) else {}

    def annotations(self) -> dict:
        v = self.metadata.get("annotations")
        return v if isinstance(v, dict) else {}


_KINDS: dict[tuple[str, str, str, str], bool] = {}


def _kind_matches(spec: str, obj: Any) -> bool:
    """Whether a match's kind entry takes the object's kind (once per kind and entry)."""
    key = (spec, obj.group, obj.api_version, obj.kind)
    found = _KINDS.get(key)
    if found is None:
        if len(_KINDS) > 50_000:
            _KINDS.clear()
        found = _KINDS[key] = _kind_matches_uncached(spec, obj)
    return found


def _kind_matches_uncached(spec: str, obj: Any) -> bool:
    parts = spec.split("/")
    kind = parts[-1]
    if kind.endswith("]") or "." in kind:
        kind = kind.split(".")[0]
    if len(parts) == 3:
        group, version = parts[0], parts[1]
        if group != "*" and group != obj.group or (version != "*" and version != obj.api_version.rpartition("/")[2]):
            return False
    elif len(parts) == 2:
        gv = parts[0]
        if gv != "*" and gv not in (obj.api_version, obj.group, obj.api_version.rpartition("/")[2]):
            return False
    return wildcard(kind, obj.kind)


def _filter(f: dict[str, Any], obj: Any, env: Env) -> bool:
    res = f.get("resources") or {}
    if not isinstance(res, dict):
        return False
    kinds = res.get("kinds")
    if kinds and not any(_kind_matches(str(k), obj) for k in kinds):
        return False
    names = list(res.get("names") or []) + ([res["name"]] if res.get("name") else [])
    if names and not any(wildcard(str(n), obj.name) for n in names):
        return False
    ns = obj.name if obj.kind == "Namespace" else namespace_of(obj)
    if res.get("namespaces") and not any(wildcard(str(n), ns) for n in res["namespaces"]):
        return False
    if res.get("operations") and "CREATE" not in res["operations"]:
        return False
    if res.get("selector") is not None and not selector_matches(res["selector"], obj.labels()):
        return False
    if res.get("annotations") and not all(
            k in obj.annotations() and wildcard(str(v), str(obj.annotations()[k]))
            for k, v in res["annotations"].items()):
        return False
    if res.get("namespaceSelector") is not None:
        labels = env.namespaces.labels_for(obj)
        if labels is None or not selector_matches(res["namespaceSelector"], labels):
            return False
    if f.get("subjects") or f.get("roles") or f.get("clusterRoles"):
        return False       # no user makes lamina's requests
    return True


def _block(block: Any, obj: Any, env: Env, empty: bool) -> bool:
    if not isinstance(block, dict) or not block:
        return empty
    if "any" in block:
        return any(_filter(f, obj, env) for f in block["any"] or [])
    if "all" in block:
        return all(_filter(f, obj, env) for f in block["all"] or [])
    return _filter(block, obj, env)


def kinds_filter(f: Any, obj: Any) -> bool:
    res = f.get("resources") if isinstance(f, dict) else None
    if not isinstance(res, dict):
        return False
    kinds = res.get("kinds")
    return not kinds or any(_kind_matches(str(k), obj) for k in kinds)


def kinds_block(block: Any, obj: Any) -> bool:
    """The part of _block that reads only the object's apiVersion and kind: False only
    where _block is False."""
    if not isinstance(block, dict) or not block:
        return False
    if "any" in block:
        return any(kinds_filter(f, obj) for f in block["any"] or [])
    if "all" in block:
        return all(kinds_filter(f, obj) for f in block["all"] or [])
    return kinds_filter(block, obj)


class PodKind:
    kind, api_version, group, namespace = "Pod", "v1", "", ""


def could_apply(rule: dict[str, Any], obj: Any, controllers: set[str]) -> bool:
    """Whether the rule can apply to an object of this kind (itself, or its pod template
    through autogen)."""
    if kinds_block(rule.get("match"), obj):
        return True
    return obj.kind in controllers and obj.kind in POD_CONTROLLERS and \
        kinds_block(rule.get("match"), PodKind)


def applies(rule: dict[str, Any], obj: Any, env: Env) -> bool:
    return _block(rule.get("match"), obj, env, False) and not _block(rule.get("exclude"), obj, env, False)


def kinds_only(block: Any) -> bool:
    """Whether a match block selects by resource kinds alone (then _block is kinds_block)."""
    if not isinstance(block, dict) or not block:
        return False
    filters = block.get("any") if "any" in block else block.get("all") if "all" in block else [block]
    if not isinstance(filters, list) or not filters:
        return False
    for f in filters:
        res = f.get("resources") if isinstance(f, dict) else None
        if not (isinstance(res, dict) and set(res) == {"kinds"} and res["kinds"]
                and set(f) == {"resources"}):
            return False
    return True
