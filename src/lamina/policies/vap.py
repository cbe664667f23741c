"""ValidatingAdmissionPolicy (admissionregistration.k8s.io) and its bindings, in CEL.

As the API server does: a policy acts only through a binding; the object must match the
policy's matchConstraints and the binding's matchResources; paramKind objects come from
the binding's paramRef (looked up among the environment's rendered objects and the
policy files' other objects); matchConditions gate, variables are evaluated in order,
and each validation that is false is a violation with its message (messageExpression
first). validationActions Deny is an error, Warn and Audit are warnings. An expression
that fails at run time is a violation unless failurePolicy is Ignore; one that calls a
function lamina lacks is always reported.
"""

from __future__ import annotations

from typing import Any

from lamina.policies import k8scel
from lamina.policies.match import match_resources, namespace_of, version_of
from lamina.policies.model import ERROR, WARNING, Env, PolicyDoc, PolicyError, Violation, get_path

KINDS = ("ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding")


class Compiled:
    """A policy's expressions, compiled (cached by the policy's content)."""

    def __init__(self, doc: PolicyDoc):
        self.doc = doc
        spec = doc.data.get("spec")
        if not isinstance(spec, dict):
            raise PolicyError(f"{doc.ident}: spec must be a mapping", doc.source)
        self.spec = spec
        where = "spec."
        self.conditions = [(str(c.get("name") or f"matchConditions[{i}]"),
                            k8scel.compile_expression(c.get("expression"), f"{where}matchConditions[{i}]"))
                           for i, c in enumerate(spec.get("matchConditions") or [])]
        self.variables = [(str(v.get("name")),
                           k8scel.compile_expression(v.get("expression"), f"{where}variables[{i}]"))
                          for i, v in enumerate(spec.get("variables") or [])]
        self.validations = []
        for i, v in enumerate(spec.get("validations") or []):
            if not isinstance(v, dict):
                raise PolicyError(f"spec.validations[{i}] must be a mapping", doc.source)
            expr = k8scel.compile_expression(v.get("expression"), f"{where}validations[{i}]")
            msg_expr = v.get("messageExpression")
            compiled_msg = k8scel.compile_expression(
                msg_expr, f"{where}validations[{i}].messageExpression") if msg_expr else None
            self.validations.append((i, v, expr, compiled_msg))
        self.functions = frozenset().union(*(c.functions for _n, c in self.conditions),
                                           *(c.functions for _n, c in self.variables),
                                           *(c.functions for _i, _v, c, _m in self.validations),
                                           *(m.functions for _i, _v, _c, m in self.validations if m))
        self.ignore_errors = spec.get("failurePolicy") == "Ignore"


_CACHE: dict[str, Compiled] = {}


def compiled(doc: PolicyDoc) -> Compiled:
    key = doc.digest()
    found = _CACHE.get(key)
    if found is None:
        found = _CACHE[key] = Compiled(doc)
    return found


def _params(binding: PolicyDoc, policy: Compiled, obj: Any, env: Env) -> list[Any] | str:
    """The param objects for one object (a list, [None] without paramKind), or the reason
    the binding's params are missing."""
    kind = policy.spec.get("paramKind")
    if not kind:
        return [None]
    ref = get_path(binding.data, "spec", "paramRef")
    if not isinstance(ref, dict):
        return "the policy has a paramKind but the binding has no paramRef"
    want_api, want_kind = kind.get("apiVersion"), kind.get("kind")
    namespace = ref.get("namespace") or (namespace_of(obj) if obj.namespace else "")
    found = []
    for p in env.params:
        if p.kind != want_kind or (want_api and p.api_version != want_api):
            continue
        if namespace and p.namespace and p.namespace != namespace:
            continue
        if ref.get("name") and p.name != ref["name"]:
            continue
        if ref.get("selector") is not None:
            from lamina.policies.match import selector_matches
            if not selector_matches(ref["selector"], p.labels()):
                continue
        found.append(p.data)
    if found:
        return found
    if ref.get("parameterNotFoundAction") == "Allow":
        return []
    return f"no {want_kind} param '{ref.get('name') or ref.get('selector')}' found"


def _level(binding: PolicyDoc) -> str:
    actions = get_path(binding.data, "spec", "validationActions") or ["Deny"]
    return ERROR if "Deny" in actions else WARNING


def evaluate(docs: list[PolicyDoc], env: Env) -> list[Violation]:
    policies = {d.name: d for d in docs if d.kind == "ValidatingAdmissionPolicy"}
    bindings = [d for d in docs if d.kind == "ValidatingAdmissionPolicyBinding"]
    out: list[Violation] = []
    broken: set[str] = set()
    pairs: list[tuple[PolicyDoc, Compiled, str]] = []
    for binding in bindings:
        name = str(get_path(binding.data, "spec", "policyName") or "")
        doc = policies.get(name)
        if doc is None or name in broken:
            continue      # a binding to a policy the cluster does not have binds nothing
        try:
            pairs.append((binding, compiled(doc), _level(binding)))
        except PolicyError as exc:
            broken.add(name)
            out.append(Violation(doc.ident, "compile", exc.message, ERROR, None))
    # Object by object, every binding: each object is converted to CEL once (k8scel).
    for obj in env.objects:
        base: dict[str, Any] | None = None
        for binding, policy, level in pairs:
            if not match_resources(policy.spec.get("matchConstraints"), obj, env.namespaces) or \
                    not match_resources(get_path(binding.data, "spec", "matchResources"), obj,
                                        env.namespaces):
                continue
            params = _params(binding, policy, obj, env)
            if isinstance(params, str):
                out.append(Violation(policy.doc.ident, f"binding {binding.name}", params, level, obj))
                continue
            if base is None:
                base = {"object": obj.data, "oldObject": None, "request": env.request(obj),
                        "namespaceObject": env.namespaces.object(namespace_of(obj))}
            for param in params:
                out.extend(_one(policy, obj, param, base, level))
    return out


_NO_VARIABLES: dict[str, Any] = {}


def _one(policy: Compiled, obj: Any, param: Any, base: dict[str, Any],
         level: str) -> list[Violation]:
    ident = policy.doc.ident
    # The same empty mapping each time: k8scel sets a variable again only when it changes.
    variables: dict[str, Any] = {**base, "params": param, "variables": _NO_VARIABLES}

    def run(c: k8scel.Compiled) -> Any:
        return k8scel.evaluate(c, variables)

    def failed(rule: str, c: k8scel.Compiled, exc: Exception) -> list[Violation]:
        if policy.ignore_errors:
            return []
        return [Violation(ident, rule, f"expression `{c.source}` could not be evaluated: {exc}",
                          level, obj)]
    for name, cond in policy.conditions:
        try:
            if run(cond) is not True:
                return []
        except k8scel.EvalError as exc:
            return failed(f"matchCondition {name}", cond, exc)
    values: dict[str, Any] = {}
    for name, var in policy.variables:
        try:
            values[name] = run(var)
        except k8scel.EvalError:
            continue            # reported where a validation uses it
        variables["variables"] = dict(values)
    out = []
    for i, v, expr, msg_expr in policy.validations:
        rule = f"validations[{i}]"
        try:
            ok = run(expr)
        except k8scel.EvalError as exc:
            out.extend(failed(rule, expr, exc))
            continue
        if ok is True:
            continue
        if not isinstance(ok, bool):
            out.extend(failed(rule, expr, k8scel.EvalError(
                f"the expression returned {type(ok).__name__}, not bool")))
            continue
        message = ""
        if msg_expr is not None:
            try:
                got = run(msg_expr)
                message = got.strip() if isinstance(got, str) else ""
            except k8scel.EvalError:
                message = ""
        if not message:
            message = str(v.get("message") or f"failed expression: {expr.source}")
        out.append(Violation(ident, rule, message, level, obj))
    return out


__all__ = ["evaluate", "KINDS", "version_of"]
