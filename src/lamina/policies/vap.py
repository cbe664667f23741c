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

import json
from typing import Any

from lamina.policies import k8scel
from lamina.policies.match import (KindIndex, kinds_match, match_resources, namespace_of,
                                   rules_only, version_of)
from lamina.policies.model import ERROR, WARNING, Env, PolicyDoc, PolicyError, Violation, get_path
from lamina.policies.results import MISSING, Results, combine, kept, key

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
        self.key = doc.digest()
        self.result_key = key("validating-admission-policy", self.key)     # results.py
        rules = get_path(spec, "matchConstraints", "resourceRules") or []
        self.names_in_rules = any(isinstance(r, dict) and r.get("resourceNames") for r in rules)
        self.expressions = [*(c for _n, c in self.conditions), *(c for _n, c in self.variables),
                            *(c for _i, _v, c, _m in self.validations),
                            *(m for _i, _v, _c, m in self.validations if m)]


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


class _Pair:
    """A binding and its policy, as one environment's evaluation uses them."""

    __slots__ = ("binding", "policy", "level", "constraints", "resources", "exact")

    def __init__(self, binding: PolicyDoc, policy: Compiled):
        self.binding, self.policy, self.level = binding, policy, _level(binding)
        self.constraints = policy.spec.get("matchConstraints")
        self.resources = get_path(binding.data, "spec", "matchResources")
        # Resource rules alone (the usual case): the kind index has matched them exactly.
        self.exact = rules_only(self.constraints) and rules_only(self.resources)

    def matches(self, obj: Any, env: Env) -> bool:
        # The index matched the resource rules already (exactly, without resourceNames).
        return self.exact or (
            match_resources(self.constraints, obj, env.namespaces, rules=self.policy.names_in_rules)
            and match_resources(self.resources, obj, env.namespaces, rules=True))


def _kinds_match(pair: _Pair, obj: Any) -> bool:
    return kinds_match(pair.constraints, obj) and kinds_match(pair.resources, obj)


def evaluate(docs: list[PolicyDoc], env: Env) -> list[Violation]:
    policies = {d.name: d for d in docs if d.kind == "ValidatingAdmissionPolicy"}
    bindings = [d for d in docs if d.kind == "ValidatingAdmissionPolicyBinding"]
    out: list[Violation] = []
    broken: set[str] = set()
    pairs: list[_Pair] = []
    for binding in bindings:
        name = str(get_path(binding.data, "spec", "policyName") or "")
        doc = policies.get(name)
        if doc is None or name in broken:
            continue      # a binding to a policy the cluster does not have binds nothing
        try:
            pairs.append(_Pair(binding, compiled(doc)))
        except PolicyError as exc:
            broken.add(name)
            out.append(Violation(doc.ident, "compile", exc.message, ERROR, None))
    if not pairs:
        return out
    index = KindIndex(pairs, _kinds_match)
    # Every object is handed to CEL once for all bindings, and only the parts of it
    # that some expression reads (celshape.py).
    shape = k8scel.shape_of(c for pair in pairs for c in pair.policy.expressions)
    namespace_objects: dict[str, Any] = {}
    for obj in env.objects:
        candidates = index.candidates(obj)
        if not candidates:
            continue
        inputs: _Inputs | None = None
        for pair in candidates:
            if not pair.matches(obj, env):
                continue
            policy, level = pair.policy, pair.level
            params = _params(pair.binding, policy, obj, env)
            if isinstance(params, str):
                out.append(Violation(policy.doc.ident, f"binding {pair.binding.name}", params,
                                     level, obj))
                continue
            if inputs is None:
                ns = namespace_of(obj)
                if ns not in namespace_objects:
                    namespace_objects[ns] = shape.prune("namespaceObject", env.namespaces.object(ns))
                inputs = _Inputs(k8scel.pruned(shape, {
                    "object": obj.data, "oldObject": None, "request": env.request(obj)}),
                    namespace_objects[ns], shape, kept(obj))
            for param in params:
                out.extend(Violation(policy.doc.ident, rule, message, level, obj)
                           for rule, message in _results(policy, param, inputs, env.results))
    return out


class _Inputs:
    """One object's CEL variables (pruned to what the run's expressions read), and the
    digest of their content: what results are remembered by."""

    def __init__(self, base: dict[str, Any], namespace_object: Any, shape: Any, keep: bool):
        self.base = {**base, "namespaceObject": namespace_object} \
            if shape.reads("namespaceObject") else base
        self.shape = shape
        self.keep = keep           # not a Secret: its results may be remembered
        self._digest: bytes | None = None

    def digest(self) -> bytes:
        if self._digest is None:
            self._digest = key(json.dumps(self.base, sort_keys=True, default=str))
        return self._digest


_NULL = key("null")


def _valid(value: Any) -> bool:
    return isinstance(value, tuple) and all(
        isinstance(r, tuple) and len(r) == 2 and isinstance(r[0], str) and isinstance(r[1], str)
        for r in value)


def _results(policy: Compiled, param: Any, inputs: _Inputs,
             results: Results) -> tuple[tuple[str, str], ...]:
    """The policy's (rule, message) failures for one object and param, remembered by the
    policy's content, the pruned inputs and the pruned param (results.py): an object whose
    relevant content another environment, binding or run already had is not evaluated
    again."""
    param = inputs.shape.prune("params", param)
    if not inputs.keep:
        return _one(policy, param, inputs.base)
    k = combine(policy.result_key, inputs.digest(), _NULL if param is None
                else key(json.dumps(param, sort_keys=True, default=str)))
    found = results.get(k, _valid)
    if found is MISSING:
        found = results.put(k, _one(policy, param, inputs.base))
    return found


_NO_VARIABLES: dict[str, Any] = {}


def _one(policy: Compiled, param: Any, base: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    # The same empty mapping each time: k8scel sets a variable again only when it changes.
    variables: dict[str, Any] = {**base, "params": param, "variables": _NO_VARIABLES}

    def run(c: k8scel.Compiled) -> Any:
        return k8scel.evaluate(c, variables)

    def failed(rule: str, c: k8scel.Compiled, exc: Exception) -> list[tuple[str, str]]:
        if policy.ignore_errors:
            return []
        return [(rule, f"expression `{c.source}` could not be evaluated: {exc}")]
    for name, cond in policy.conditions:
        try:
            if run(cond) is not True:
                return ()
        except k8scel.EvalError as exc:
            return tuple(failed(f"matchCondition {name}", cond, exc))
    values: dict[str, Any] = {}
    for name, var in policy.variables:
        try:
            values[name] = run(var)
        except k8scel.EvalError:
            continue            # reported where a validation uses it
        variables["variables"] = dict(values)
    out: list[tuple[str, str]] = []
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
        out.append((rule, message))
    return tuple(out)


__all__ = ["evaluate", "KINDS", "version_of"]
