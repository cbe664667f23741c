"""Kyverno ClusterPolicy / Policy validate rules: pattern, anyPattern, deny conditions,
foreach, validate.cel, preconditions, match / exclude, failureAction, and the autogen
rules Kyverno derives for pod controllers. Mutate, generate and verifyImages rules are
reported as skipped (a warning naming the rule), never silently ignored.
"""

from __future__ import annotations

from typing import Any

from lamina.policies import kyverno_pattern as kp
from lamina.policies.kyverno_vars import substitute
from lamina.policies.match import KindIndex, namespace_of, selector_matches, wildcard
from lamina.policies.model import ERROR, WARNING, Env, PolicyDoc, PolicyError, Violation, get_path

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


def _kinds_filter(f: Any, obj: Any) -> bool:
    res = f.get("resources") if isinstance(f, dict) else None
    if not isinstance(res, dict):
        return False
    kinds = res.get("kinds")
    return not kinds or any(_kind_matches(str(k), obj) for k in kinds)


def _kinds_block(block: Any, obj: Any) -> bool:
    """The part of _block that reads only the object's apiVersion and kind: False only
    where _block is False."""
    if not isinstance(block, dict) or not block:
        return False
    if "any" in block:
        return any(_kinds_filter(f, obj) for f in block["any"] or [])
    if "all" in block:
        return all(_kinds_filter(f, obj) for f in block["all"] or [])
    return _kinds_filter(block, obj)


class _PodKind:
    kind, api_version, group, namespace = "Pod", "v1", "", ""


def _could_apply(rule: dict[str, Any], obj: Any, controllers: set[str]) -> bool:
    """Whether the rule can apply to an object of this kind (itself, or its pod template
    through autogen)."""
    if _kinds_block(rule.get("match"), obj):
        return True
    return obj.kind in controllers and obj.kind in POD_CONTROLLERS and \
        _kinds_block(rule.get("match"), _PodKind)


def applies(rule: dict[str, Any], obj: Any, env: Env) -> bool:
    return _block(rule.get("match"), obj, env, False) and not _block(rule.get("exclude"), obj, env, False)


def _conditions(block: Any, data: dict) -> bool:
    if block is None:
        return True
    if isinstance(block, list):
        block = {"all": block}
    ok_any = True
    if block.get("any"):
        ok_any = any(_cond(c, data) for c in block["any"])
    ok_all = all(_cond(c, data) for c in block.get("all") or [])
    return ok_any and ok_all


def _cond(c: dict, data: dict) -> bool:
    return kp.condition(str(c.get("operator") or "Equals"), substitute(c.get("key"), data),
                        substitute(c.get("value"), data))


def _context(rule: dict, data: dict, policy: str) -> None:
    for entry in rule.get("context") or []:
        name = entry.get("name")
        if "variable" in entry:
            var = entry["variable"] or {}
            value = substitute(var.get("value"), data) if "value" in var else None
            if var.get("jmesPath"):
                from lamina.policies.kyverno_vars import query
                value = query(var["jmesPath"], value if value is not None else data)
            if value is None and "default" in var:
                value = var["default"]
            data[name] = value
        else:
            source = next((k for k in entry if k != "name"), "?")
            raise PolicyError(f"rule context '{name}' reads a {source}, which lamina cannot "
                              "reach offline")


def _validate(v: dict, data: dict, resource: dict) -> str | None:
    """None when the resource passes; else the failure's detail. Raises kp.Skip."""
    if "pattern" in v:
        bad = kp.validate(substitute(v["pattern"], data), resource)
        return None if bad is None else f"validation error: rule failed at path {bad}"
    if "anyPattern" in v:
        skipped, details = 0, []
        for p in v["anyPattern"] or []:
            try:
                bad = kp.validate(substitute(p, data), resource)
            except kp.Skip:
                skipped += 1
                continue
            if bad is None:
                return None
            details.append(bad)
        if skipped and not details:
            raise kp.Skip()
        return "validation error: no pattern matched (" + ", ".join(details) + ")"
    if "deny" in v:
        return "denied" if _conditions((v["deny"] or {}).get("conditions"), data) else None
    if "foreach" in v:
        for each in v["foreach"] or []:
            from lamina.policies.kyverno_vars import query
            items = query(str(each.get("list")), data) or []
            for i, element in enumerate(items if isinstance(items, list) else [items]):
                inner = dict(data, element=element, elementIndex=i)
                if not _conditions(each.get("preconditions"), inner):
                    continue
                try:
                    bad = _validate(each, inner, element)
                except kp.Skip:
                    continue
                if bad is not None:
                    return bad
        return None
    if "cel" in v:
        return _cel(v["cel"], resource, data)
    for unsupported in ("podSecurity", "manifests", "assert"):
        if unsupported in v:
            raise PolicyError(f"validate.{unsupported} rules are not evaluated by lamina "
                              "(unsupported: it evaluates pattern, anyPattern, deny, foreach and cel)")
    raise PolicyError("validate rule has none of pattern, anyPattern, deny, foreach, cel")


def _cel(spec: dict, resource: dict, data: dict) -> str | None:
    from lamina.policies import k8scel
    variables: dict[str, Any] = {"object": resource, "oldObject": None, "request": data["request"],
                                 "namespaceObject": data.get("namespaceObject"), "params": None,
                                 "variables": {}}
    for i, var in enumerate(spec.get("variables") or []):
        try:
            variables["variables"] = dict(variables["variables"], **{var["name"]: k8scel.evaluate(
                k8scel.compile_expression(var.get("expression"), f"cel.variables[{i}]"), variables)})
        except k8scel.EvalError:
            continue
    for i, e in enumerate(spec.get("expressions") or []):
        compiled = k8scel.compile_expression(e.get("expression"), f"cel.expressions[{i}]")
        try:
            ok = k8scel.evaluate(compiled, variables)
        except k8scel.EvalError as exc:
            return f"expression `{compiled.source}` could not be evaluated: {exc}"
        if ok is not True:
            msg = None
            if e.get("messageExpression"):
                try:
                    msg = k8scel.evaluate(k8scel.compile_expression(
                        e["messageExpression"], f"cel.expressions[{i}].messageExpression"), variables)
                except k8scel.EvalError:
                    msg = None
            return str(msg or e.get("message") or f"failed expression: {compiled.source}")
    return None


def _action(spec: dict, rule: dict) -> str:
    act = get_path(rule, "validate", "failureAction") or spec.get("validationFailureAction") or "Audit"
    return ERROR if str(act).lower() == "enforce" else WARNING


def _autogen(doc: PolicyDoc) -> set[str]:
    value = get_path(doc.data, "metadata", "annotations", "pod-policies.kyverno.io/autogen-controllers")
    if value is None:
        return set(POD_CONTROLLERS)
    return set() if str(value).strip().lower() == "none" else {v.strip() for v in str(value).split(",")}


def evaluate(docs: list[PolicyDoc], env: Env) -> list[Violation]:
    out: list[Violation] = []
    for doc in docs:
        out.extend(evaluate_policy(doc, env, lambda *a: None))
    return out


def evaluate_policy(doc: PolicyDoc, env: Env, record: Any) -> list[Violation]:
    """The policy's violations; record(rule, obj, result) hears every pass/fail/skip too."""
    spec = doc.data.get("spec") or {}
    out: list[Violation] = []
    controllers = _autogen(doc)
    for rule in spec.get("rules") or []:
        name = str(rule.get("name") or "?")
        if "validate" not in rule:
            which = next((k for k in ("mutate", "generate", "verifyImages") if k in rule), "unknown")
            out.append(Violation(doc.ident, name, f"{which} rules are not evaluated by lamina "
                                 "(validate rules only): skipped", WARNING, None))
            continue
        level = _action(spec, rule)
        plain = _plain(rule)
        index = KindIndex([rule], lambda r, o: _could_apply(r, o, controllers))
        for obj in env.objects:
            if not index.candidates(obj):
                continue
            if doc.kind == "Policy" and namespace_of(obj) != (doc.data.get("metadata") or {}).get("namespace", "default"):
                continue
            views = []
            if applies(rule, obj, env):
                views.append((obj, name))
            elif obj.kind in controllers and obj.kind in POD_CONTROLLERS:
                view = PodView(obj, POD_CONTROLLERS[obj.kind])
                if applies(rule, view, env):
                    views.append((view, ("autogen-cronjob-" if obj.kind == "CronJob" else "autogen-") + name))
            for target, rule_name in views:
                try:
                    result = _one(doc, rule, target, env, plain)
                except PolicyError as exc:
                    out.append(Violation(doc.ident, rule_name, exc.message, ERROR, obj))
                    record(rule_name, obj, "error")
                    continue
                record(rule_name, obj, "pass" if result is None else ("skip" if result == "" else "fail"))
                if isinstance(result, tuple):
                    message, at = result
                    if target is not obj:        # autogen: the pod template's field
                        at = (*POD_CONTROLLERS[obj.kind], *at) if at[:1] in (("spec",), ("metadata",)) else ()
                    out.append(Violation(doc.ident, rule_name, message, level, obj, at=at))
    return out


def _plain(rule: dict) -> bool:
    """A rule that is one pattern with no variables, preconditions or context: checked
    without building the request's variables (most rules; much cheaper)."""
    import json
    v = rule.get("validate") or {}
    return ("pattern" in v and not rule.get("preconditions") and not rule.get("context")
            and "{{" not in json.dumps(v, default=str))


def _one(doc: PolicyDoc, rule: dict, target: Any, env: Env,
         plain: bool = False) -> tuple[str, tuple] | str | None:
    """None: pass; '': skipped; else (the failure message, the field it failed at)."""
    v = rule["validate"]
    if plain:
        try:
            bad = kp.validate(v["pattern"], target.data)
        except kp.Skip:
            return ""
        if bad is None:
            return None
        return f"{v.get('message') or ''} validation error: rule failed at path {bad}".strip(), _steps(bad)
    data: dict[str, Any] = {"request": dict(env.request(target), object=target.data, oldObject=None),
                            "namespaceObject": env.namespaces.object(namespace_of(target)),
                            "serviceAccountName": "", "serviceAccountNamespace": "",
                            "images": images(target.data)}
    _context(rule, data, doc.ident)
    if not _conditions(rule.get("preconditions"), data):
        return ""
    try:
        bad = _validate(v, data, target.data)
    except kp.Skip:
        return ""
    if bad is None:
        return None
    message = substitute(v.get("message"), data) if v.get("message") else ""
    if "pattern" in v:
        return f"{message} {bad}".strip(), _steps(bad.rpartition(" at path ")[2])
    if "anyPattern" in v:
        return f"{message} {bad}".strip(), ()
    return (str(message or bad), ())


def _steps(path: str) -> tuple:
    """'/spec/containers/0/image' -> ('spec', 'containers', 0, 'image')."""
    return tuple(int(p) if p.isdigit() else p for p in path.strip("/").split("/") if p)


def parse_image(ref: str) -> dict[str, str]:
    """An image reference as Kyverno's `images` variable describes it."""
    digest = ""
    if "@" in ref:
        ref, _, digest = ref.partition("@")
    first, sep, rest = ref.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, rest
    else:
        registry, path = "docker.io", ref
    tag = ""
    if ":" in path.rpartition("/")[2]:
        path, _, tag = path.rpartition(":")
    if not tag and not digest:
        tag = "latest"
    return {"registry": registry, "path": path, "name": path.rpartition("/")[2],
            "tag": tag, "digest": digest,
            "reference": ref + (f"@{digest}" if digest else ""),
            "referenceWithTag": f"{registry}/{path}:{tag}" if tag else f"{registry}/{path}"}


def images(data: dict[str, Any]) -> dict[str, Any] | None:
    """{containers|initContainers|ephemeralContainers: {name: parsed image}} of a Pod."""
    spec = data.get("spec") if data.get("kind") == "Pod" else None
    if not isinstance(spec, dict):
        return None
    out: dict[str, Any] = {}
    for field in ("containers", "initContainers", "ephemeralContainers"):
        for c in spec.get(field) or []:
            if isinstance(c, dict) and isinstance(c.get("image"), str):
                out.setdefault(field, {})[str(c.get("name"))] = parse_image(c["image"])
    return out
