"""Kyverno ClusterPolicy / Policy validate rules: pattern, anyPattern, deny conditions,
foreach, validate.cel, preconditions, match / exclude, failureAction, and the autogen
rules Kyverno derives for pod controllers. Mutate, generate and verifyImages rules are
reported as skipped (a warning naming the rule), never silently ignored. Which objects a
rule applies to is kyverno_match.py; patterns are kyverno_pattern.py.
"""

from __future__ import annotations

import json
from typing import Any

from lamina.policies import kyverno_pattern as kp
from lamina.policies.kyverno_match import (POD_CONTROLLERS, PodKind, PodView, applies,
                                           could_apply, kinds_block, kinds_only)
from lamina.policies.kyverno_pattern import pattern_shape
from lamina.policies.kyverno_vars import images, substitute
from lamina.policies.match import KindIndex, namespace_of
from lamina.policies.model import ERROR, WARNING, Env, PolicyDoc, PolicyError, Violation, get_path
from lamina.policies.results import MISSING, combine, kept, key


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
    return _run(docs, env, None)


def evaluate_policy(doc: PolicyDoc, env: Env, record: Any) -> list[Violation]:
    """The policy's violations; record(rule, obj, result) hears every pass/fail/skip too."""
    return _run([doc], env, record)


def _run(docs: list[PolicyDoc], env: Env, record: Any) -> list[Violation]:
    """Every validate rule over the environment's objects: each object meets only the
    rules its kind can match (one index for all the rules), and is cut down and keyed
    once for all of them (KyvernoSubject). Violations come in policy, rule, object order."""
    buckets: list[list[Violation]] = []
    rules: list[KyvernoRule] = []
    for doc in docs:
        spec = doc.data.get("spec") or {}
        controllers = _autogen(doc)
        for rule in spec.get("rules") or []:
            bucket: list[Violation] = []
            buckets.append(bucket)
            if "validate" not in rule:
                which = next((k for k in ("mutate", "generate", "verifyImages") if k in rule),
                             "unknown")
                bucket.append(Violation(doc.ident, str(rule.get("name") or "?"),
                                        f"{which} rules are not evaluated by lamina "
                                        "(validate rules only): skipped", WARNING, None))
                continue
            rules.append(KyvernoRule(doc, spec, rule, controllers, bucket))
    if not rules:
        return []
    index = KindIndex(rules, KyvernoRule.could_apply)
    shape = pattern_shape(r.rule["validate"]["pattern"] for r in rules if r.plain)
    for obj in env.objects:
        candidates = index.candidates(obj)
        if candidates:
            subject = KyvernoSubject(obj, shape)
            for r in candidates:
                r.apply(subject, env, record)
    return [v for bucket in buckets for v in bucket]


class KyvernoRule:
    """One validate rule of a policy, prepared once per environment."""

    def __init__(self, doc: PolicyDoc, spec: dict, rule: dict, controllers: set[str],
                 out: list[Violation]):
        self.doc, self.rule, self.controllers, self.out = doc, rule, controllers, out
        self.name = str(rule.get("name") or "?")
        self.level = _action(spec, rule)
        self.plain = _plain(rule)
        self.scoped = doc.kind == "Policy"       # a namespaced Policy: its namespace only
        self.namespace = (doc.data.get("metadata") or {}).get("namespace", "default")
        # Matching on kinds alone (the usual case): which of the object or its pod template
        # the rule applies to is worked out once per kind.
        self.by_kind: dict[tuple[str, str, bool], str] | None = \
            {} if kinds_only(rule.get("match")) and not rule.get("exclude") else None
        self.digest = key("kyverno", "plain" if self.plain else "full",
                          json.dumps(rule, sort_keys=True, default=str))

    def could_apply(self, obj: Any) -> bool:
        return could_apply(self.rule, obj, self.controllers)

    def _applies(self, obj: Any, env: Env) -> str:
        """'obj', 'view' (its pod template, through autogen) or '' (neither)."""
        if self.by_kind is not None:
            triple = (obj.api_version, obj.kind, bool(obj.namespace))
            found = self.by_kind.get(triple)
            if found is None:
                found = self.by_kind[triple] = "obj" if kinds_block(self.rule.get("match"), obj) \
                    else "view" if self._autogen(obj) and kinds_block(self.rule.get("match"), PodKind) \
                    else ""
            return found
        if applies(self.rule, obj, env):
            return "obj"
        if self._autogen(obj) and applies(self.rule, PodView(obj, POD_CONTROLLERS[obj.kind]), env):
            return "view"
        return ""

    def _autogen(self, obj: Any) -> bool:
        return obj.kind in self.controllers and obj.kind in POD_CONTROLLERS

    def apply(self, subject: "KyvernoSubject", env: Env, record: Any) -> None:
        obj = subject.obj
        if self.scoped and namespace_of(obj) != self.namespace:
            return
        which = self._applies(obj, env)
        if not which:
            return
        target, rule_name = obj, self.name
        if which == "view":
            target = subject.view()
            rule_name = ("autogen-cronjob-" if obj.kind == "CronJob" else "autogen-") + self.name
        result = self._result(subject, target, env)
        if isinstance(result, tuple) and len(result) == 1:       # (the error,)
            self.out.append(Violation(self.doc.ident, rule_name, result[0], ERROR, obj))
            if record is not None:
                record(rule_name, obj, "error")
            return
        if record is not None:
            record(rule_name, obj, "pass" if result is None else ("skip" if result == "" else "fail"))
        if isinstance(result, tuple):
            message, at = result
            if target is not obj:        # autogen: the pod template's field
                at = (*POD_CONTROLLERS[obj.kind], *at) if at[:1] in (("spec",), ("metadata",)) else ()
            self.out.append(Violation(self.doc.ident, rule_name, message, self.level, obj, at=at))

    def _result(self, subject: "KyvernoSubject", target: Any, env: Env) -> Any:
        """_one's answer, or (the PolicyError's message,): remembered by the rule's content
        and what the rule reads of the target (results.py)."""
        k = combine(self.digest, subject.content(target, self.plain, env)) if subject.kept else None
        found = env.results.get(k, _valid) if k is not None else MISSING
        if found is MISSING:
            try:
                found = _one(self.doc, self.rule, target, env, self.plain)
            except PolicyError as exc:
                found = (exc.message,)
            if k is not None:
                env.results.put(k, found)
        return found


def _valid(value: Any) -> bool:
    """A remembered _result: None, '', (message,) or (message, path of str and int steps)."""
    if value is None or value == "":
        return True
    return isinstance(value, tuple) and isinstance(value[0], str) and (
        len(value) == 1 or (len(value) == 2 and isinstance(value[1], tuple)
                            and all(isinstance(s, (str, int)) for s in value[1])))


class KyvernoSubject:
    """One object as the rules meet it: its pod template (for autogen rules) and the
    digest of what the rules read of each, made once for every rule."""

    def __init__(self, obj: Any, shape: Any):
        self.obj, self.shape = obj, shape
        self.kept = kept(obj)
        self._view: PodView | None = None
        self._digests: dict[tuple[int, bool], bytes] = {}

    def view(self) -> PodView:
        if self._view is None:
            self._view = PodView(self.obj, POD_CONTROLLERS[self.obj.kind])
        return self._view

    def content(self, target: Any, plain: bool, env: Env) -> bytes:
        """The digest of what a rule reads of `target`: a plain pattern, the parts any of
        the run's plain patterns names (pattern_shape); any other rule, the object whole,
        its request and its namespace."""
        slot = (id(target), plain)
        found = self._digests.get(slot)
        if found is None:
            if plain:
                found = key(json.dumps(self.shape.prune("object", target.data), sort_keys=True,
                                       default=str))
            else:
                found = key(json.dumps([target.data, env.request(target),
                                        env.namespaces.object(namespace_of(target))],
                                       sort_keys=True, default=str))
            self._digests[slot] = found
        return found


def _plain(rule: dict) -> bool:
    """A rule that is one pattern with no variables, preconditions or context: checked
    without building the request's variables (most rules; much cheaper)."""
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
