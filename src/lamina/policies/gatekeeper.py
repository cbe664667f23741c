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

from lamina.policies import celshape
from lamina.policies.match import (KindIndex, gatekeeper_kinds_match, gatekeeper_kinds_only,
                                   gatekeeper_matches, namespace_of)
from lamina.policies.model import (ERROR, WARNING, Env, MissingEngine, PolicyDoc, PolicyError,
                                   Violation, get_path)
from lamina.policies.results import MISSING, Results, combine, kept, key

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
        self.key = doc.digest()
        self.result_key = key("gatekeeper", self.key)       # results.py
        texts = [rego, *libs]
        self.input_paths = input_paths(texts)
        # Its result depends on the review and parameters alone (it reads no other data,
        # such as the inventory): remembered by their content across environments.
        self.pure = not any(_OTHER_DATA.search(_code(t)) for t in texts)


_REGO_TOKEN = re.compile(r"""(?P<space>\s+|\#[^\n]*)|(?P<str>"(?:\\.|[^\\"\n])*"|`[^`]*`)
                           |(?P<id>[A-Za-z_]\w*)|(?P<other>.)""", re.S | re.X)
# What makes a template's result depend on more than its input: `data` other than its
# libs (data.inventory, walk(data)...), external data, the clock, the network, randomness.
_OTHER_DATA = re.compile(r"\bdata\b(?!\s*\.\s*lib\b)|\binventory\b|\bexternal_data\b|\bhttp\s*\."
                         r"|\btime\s*\.\s*now_ns\b|\brand\s*\.|\buuid\s*\.")


def _code(text: str) -> str:
    """Rego without its comments and string literals."""
    return "".join(m.group(0) if m.lastgroup in ("id", "other", "space") and not
                   m.group(0).startswith("#") else " " for m in _REGO_TOKEN.finditer(text))


def input_paths(texts: list[str]) -> list[tuple[str, ...]] | None:
    """Every `input.a.b...` chain the Rego reads (each read whole), or None when it may read
    input some other way (`input[...]` is read whole at the chain's end; `with` rebinds)."""
    out: list[tuple[str, ...]] = []
    for text in texts:
        toks = [(m.lastgroup, m.group(0)) for m in _REGO_TOKEN.finditer(text)
                if m.lastgroup != "space"] + [("end", "")] * 3
        for i, (kind, value) in enumerate(toks):
            if kind == "id" and value == "with":
                return None
            if kind != "id" or value != "input" or (i and toks[i - 1][1] == "."):
                continue
            path, j = ["input"], i + 1
            while toks[j][1] == "." and toks[j + 1][0] == "id":
                path.append(toks[j + 1][1])
                j += 2
            out.append(tuple(path))
    return out


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
    data_json: str | None = None
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
                tpl = template(tdoc)
                engine = tpl.engine
                if not tpl.pure:
                    # Only a template that reads data gets the inventory (serialized
                    # once per environment): the others' results cannot depend on it.
                    if data_json is None:
                        data_json = json.dumps(inventory(env.objects), default=str)
                    engine = engine.clone()
                    engine.add_data_json(data_json)
                prepared[tdoc.ident] = engine
        except PolicyError as exc:
            broken.add(tdoc.ident)
            out.append(Violation(tdoc.ident, "template", exc.message, ERROR, None))
            continue
        ready.append((c, template(tdoc), prepared[tdoc.ident]))
    if not ready:
        return out
    index = KindIndex(ready, lambda item, obj: gatekeeper_kinds_match(
        (item[0].data.get("spec") or {}).get("match"), obj))
    # A constraint that matches on kinds (and scope) alone: the index's answer is final.
    exact = {id(c) for c, _t, _e in ready
             if gatekeeper_kinds_only((c.data.get("spec") or {}).get("match"))}
    shape = _shape([tpl for _c, tpl, _e in ready])
    for obj in env.objects:
        review: _Review | None = None
        for c, tpl, engine in index.candidates(obj):
            if id(c) not in exact and not gatekeeper_matches(
                    (c.data.get("spec") or {}).get("match"), obj, env.namespaces):
                continue
            if review is None:
                review = _Review(shape, obj, env)
            out.extend(_violations(c, tpl, engine, review, env.results))
    return out


def _shape(templates: list[Template]) -> celshape.Shape:
    """What of input.review any of the templates reads: each object's review is cut down
    to that (and serialized once for every constraint)."""
    shape = celshape.Shape()
    for tpl in templates:
        for path in (tpl.input_paths if tpl.input_paths is not None else [("input",)]):
            shape.add_path(path)
    return shape


class _Review:
    """One object's review, cut down to what the templates read, as JSON (made once for
    every constraint), and the digest results are remembered by."""

    def __init__(self, shape: celshape.Shape, obj: Any, env: Env):
        self.obj = obj
        whole = shape.prune("input", {"review": review(obj, env)}) or {}
        self.json = json.dumps(whole.get("review") or {}, default=str)
        self.key = key(self.json) if kept(obj) else None


def constraint_violations(c: PolicyDoc, tpl: Template, engine: Any, env: Env,
                          objects: tuple[Any, ...] | None = None) -> list[Violation]:
    """One constraint over `objects` (default: the environment's)."""
    out = []
    match = (c.data.get("spec") or {}).get("match")
    shape = _shape([tpl])
    for obj in (env.objects if objects is None else objects):
        if gatekeeper_matches(match, obj, env.namespaces):
            out.extend(_violations(c, tpl, engine, _Review(shape, obj, env), env.results))
    return out


_PARAMS: dict[int, tuple[PolicyDoc, str, bytes]] = {}


def _params_json(c: PolicyDoc) -> tuple[str, bytes]:
    """A constraint's parameters as JSON, and its digest (made once per constraint object)."""
    found = _PARAMS.get(id(c))
    if found is None or found[0] is not c:
        if len(_PARAMS) > 10_000:
            _PARAMS.clear()
        text = json.dumps((c.data.get("spec") or {}).get("parameters") or {}, default=str, sort_keys=True)
        found = _PARAMS[id(c)] = (c, text, key(text))
    return found[1], found[2]


def _violations(c: PolicyDoc, tpl: Template, engine: Any, review: _Review,
                results: Results) -> list[Violation]:
    spec = c.data.get("spec") or {}
    action = str(spec.get("enforcementAction") or "deny").lower()
    level = ERROR if action == "deny" else WARNING
    params, params_key = _params_json(c)
    obj = review.obj
    # A template that reads no data (no inventory): its messages are remembered by the
    # template's content, the parameters and the cut-down review (results.py).
    k = combine(tpl.result_key, params_key, review.key) \
        if tpl.pure and review.key is not None else None
    messages = results.get(k, _valid) if k is not None else MISSING
    if messages is MISSING:
        try:
            messages = _messages(tpl, engine, f'{{"review": {review.json}, "parameters": {params}}}')
        except RuntimeError as exc:
            return [Violation(c.ident, tpl.doc.ident, f"the Rego failed: {_first(exc)}", ERROR, obj)]
        if k is not None:
            results.put(k, messages)
    return [Violation(c.ident, tpl.doc.name, msg, level, obj) for msg in messages]


def _valid(value: Any) -> bool:
    return isinstance(value, tuple) and all(isinstance(m, str) for m in value)


def _messages(tpl: Template, engine: Any, input_json: str) -> tuple[str, ...]:
    engine.set_input_json(input_json)
    try:
        values = [json.loads(engine.eval_rule_as_json(tpl.query))]
    except RuntimeError:
        # Not a rule path (no violation rule, say): the query tells, or raises the error.
        values = _values(json.loads(engine.eval_query_as_json(tpl.query)))
    out = []
    for expr in values:
        for v in expr if isinstance(expr, list) else [expr]:
            msg = v.get("msg") if isinstance(v, dict) else str(v)
            out.append(str(msg))
    return tuple(out)


def _values(result: Any) -> list[Any]:
    out = []
    for r in (result or {}).get("result") or []:
        for e in r.get("expressions") or []:
            out.append(e.get("value"))
    return out
