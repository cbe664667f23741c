"""Gatekeeper ConstraintTemplates (Rego) and their Constraints.

Rego runs in regorus (a Rego interpreter, through the `gordon-to-regorus` binding; see
docs/policies.md for why not OPA's own library here). Each template's Rego (and libs)
is compiled once per content; each Constraint applies it to the objects its `match`
selects, with its `parameters`, as `input.review` / `input.parameters`, and
`data.inventory` holding the environment's rendered objects. enforcementAction deny is
an error; warn and dryrun are warnings. A template with no Rego (CEL-only
K8sNativeValidation) is reported as unsupported, never passed.
"""

from __future__ import annotations

import json
import re
from typing import Any

from lamina.policies.match import gatekeeper_matches, namespace_of
from lamina.policies.model import (ERROR, WARNING, Env, MissingEngine, PolicyDoc, PolicyError,
                                   Violation, get_path)

_PACKAGE = re.compile(r"^\s*package\s+([\w.]+)", re.M)


def _regorus() -> Any:
    try:
        import regorus
    except ImportError:
        raise MissingEngine("Gatekeeper's Rego needs the policy extra: "
                            "pip install 'lamina[policy]'") from None
    return regorus


def _rego(doc: PolicyDoc) -> tuple[str, list[str]]:
    for target in get_path(doc.data, "spec", "targets") or []:
        rego = target.get("rego")
        libs = list(target.get("libs") or [])
        if not rego:
            for code in target.get("code") or []:
                if code.get("engine") == "Rego":
                    rego = get_path(code, "source", "rego")
                    libs = list(get_path(code, "source", "libs") or libs)
        if rego:
            return rego, libs
    raise PolicyError("the template has no Rego (only K8sNativeValidation CEL, which lamina "
                      "does not evaluate for Gatekeeper): unsupported here")


class Template:
    def __init__(self, doc: PolicyDoc):
        regorus = _regorus()
        self.doc = doc
        rego, libs = _rego(doc)
        m = _PACKAGE.search(rego)
        if not m:
            raise PolicyError("the template's Rego has no package")
        self.query = f"data.{m.group(1)}.violation"
        last: Exception | None = None
        for v0 in (True, False):
            engine = regorus.Engine()
            engine.set_rego_v0(v0)
            try:
                engine.add_policy("template.rego", rego)
                for i, lib in enumerate(libs):
                    engine.add_policy(f"lib{i}.rego", lib)
                self.engine = engine
                break
            except RuntimeError as exc:
                last = exc
        else:
            raise PolicyError(f"the template's Rego does not compile: {_first(last)}")


def _first(exc: Any) -> str:
    lines = [ln for ln in str(exc).splitlines() if ln.strip() and not ln.strip()[0].isdigit()
             and "at /" not in ln and "Stack backtrace" not in ln]
    return " ".join(lines[:4])[:300]


_CACHE: dict[str, Template] = {}


def template(doc: PolicyDoc) -> Template:
    key = doc.digest()
    found = _CACHE.get(key)
    if found is None:
        found = _CACHE[key] = Template(doc)
    return found


def inventory(objects: tuple[Any, ...]) -> dict[str, Any]:
    cluster: dict[str, Any] = {}
    namespaced: dict[str, Any] = {}
    for o in objects:
        if o.namespace:
            slot = namespaced.setdefault(o.namespace, {})
        else:
            slot = cluster
        slot.setdefault(o.api_version, {}).setdefault(o.kind, {})[o.name] = o.data
    return {"inventory": {"cluster": cluster, "namespace": namespaced}}


def review(obj: Any, env: Env) -> dict[str, Any]:
    req = env.request(obj)
    return {"object": obj.data, "oldObject": None, "kind": req["kind"], "name": obj.name,
            "namespace": namespace_of(obj), "operation": "CREATE", "userInfo": req["userInfo"],
            "dryRun": False}


def evaluate(docs: list[PolicyDoc], env: Env) -> list[Violation]:
    templates = {}
    for d in docs:
        if d.kind == "ConstraintTemplate":
            kind = str(get_path(d.data, "spec", "crd", "spec", "names", "kind") or "")
            templates[kind] = d
    out: list[Violation] = []
    broken: set[str] = set()
    data_json = json.dumps(inventory(env.objects), default=str)
    prepared: dict[str, Any] = {}
    ready: list[tuple[PolicyDoc, Template, Any]] = []
    for c in docs:
        if c.kind == "ConstraintTemplate":
            continue
        tdoc = templates.get(c.kind)
        if tdoc is None:
            out.append(Violation(c.ident, "constraint", f"no ConstraintTemplate defines kind "
                                 f"{c.kind}: add it to the policies", ERROR, None))
            continue
        if tdoc.ident in broken:
            continue
        try:
            if tdoc.ident not in prepared:
                engine = template(tdoc).engine.clone()
                engine.add_data_json(data_json)
                prepared[tdoc.ident] = engine
        except PolicyError as exc:
            broken.add(tdoc.ident)
            out.append(Violation(tdoc.ident, "template", exc.message, ERROR, None))
            continue
        ready.append((c, template(tdoc), prepared[tdoc.ident]))
    # Object by object: its review is serialized once for every constraint.
    for obj in env.objects:
        review_json: str | None = None
        for c, tpl, engine in ready:
            spec = c.data.get("spec") or {}
            if not gatekeeper_matches(spec.get("match"), obj, env.namespaces):
                continue
            if review_json is None:
                review_json = json.dumps(review(obj, env), default=str)
            out.extend(_violations(c, tpl, engine, obj, review_json))
    return out


def constraint_violations(c: PolicyDoc, tpl: Template, engine: Any, env: Env,
                          objects: tuple[Any, ...] | None = None) -> list[Violation]:
    """One constraint over `objects` (default: the environment's)."""
    out = []
    match = (c.data.get("spec") or {}).get("match")
    for obj in (env.objects if objects is None else objects):
        if gatekeeper_matches(match, obj, env.namespaces):
            out.extend(_violations(c, tpl, engine, obj, json.dumps(review(obj, env), default=str)))
    return out


def _violations(c: PolicyDoc, tpl: Template, engine: Any, obj: Any, review_json: str) -> list[Violation]:
    spec = c.data.get("spec") or {}
    action = str(spec.get("enforcementAction") or "deny").lower()
    level = ERROR if action == "deny" else WARNING
    params = json.dumps(spec.get("parameters") or {}, default=str)
    engine.set_input_json(f'{{"review": {review_json}, "parameters": {params}}}')
    try:
        result = json.loads(engine.eval_query_as_json(tpl.query))
    except RuntimeError as exc:
        return [Violation(c.ident, tpl.doc.ident, f"the Rego failed: {_first(exc)}", ERROR, obj)]
    out = []
    for expr in _values(result):
        for v in expr if isinstance(expr, list) else [expr]:
            msg = v.get("msg") if isinstance(v, dict) else str(v)
            out.append(Violation(c.ident, tpl.doc.name, str(msg), level, obj))
    return out


def _values(result: Any) -> list[Any]:
    out = []
    for r in (result or {}).get("result") or []:
        for e in r.get("expressions") or []:
            out.append(e.get("value"))
    return out
