"""Run upstream policy test suites through lamina's engines and compare with their
expectations.

- open-policy-agent/gatekeeper-library: every library/**/suite.yaml (each case's object,
  with its inventory, against the template and constraint: violations yes/no);
- kyverno/policies: every .kyverno-test/kyverno-test.yaml (each result's policy, rule,
  resource and pass/fail/skip).

usage: python tests/policies/agreement.py [--gatekeeper DIR] [--kyverno DIR] [-v]
(DIR: a checkout of the repository). Used by tests/policies/test_upstream.py on the
pinned subset under tests/policies/data/.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from typing import Any

import yaml

from lamina.checks.base import Obj
from lamina.errors import LaminaError
from lamina.policies.match import Namespaces
from lamina.policies.model import Env, PolicyDoc


@dataclass
class Tally:
    agree: int = 0
    disagree: list[str] = field(default_factory=list)
    out_of_scope: int = 0

    @property
    def total(self) -> int:
        return self.agree + len(self.disagree)

    def rate(self) -> float:
        return self.agree / self.total if self.total else 1.0


def _docs(path: str) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [d for d in yaml.safe_load_all(fh) if isinstance(d, dict)]


def _env(objects: list[dict[str, Any]]) -> Env:
    objs = tuple(Obj(o) for o in objects)
    return Env("test", objs, Namespaces(objs), objs)


# ---- gatekeeper-library -------------------------------------------------------------------

def gatekeeper(root: str, tally: Tally | None = None) -> Tally:
    from lamina.policies import gatekeeper as gk
    tally = tally or Tally()
    for top, _dirs, files in sorted(os.walk(os.path.join(root, "library"))):
        if "suite.yaml" not in files:
            continue
        for suite in _docs(os.path.join(top, "suite.yaml")):
            for test in suite.get("tests") or []:
                _gatekeeper_test(top, test, tally, gk)
    return tally


def _gatekeeper_test(top: str, test: dict, tally: Tally, gk: Any) -> None:
    try:
        tdoc = PolicyDoc(_docs(os.path.join(top, test["template"]))[0])
        cdoc = PolicyDoc(_docs(os.path.join(top, test["constraint"]))[0])
        tpl = gk.template(tdoc)
    except (LaminaError, OSError, KeyError, IndexError) as exc:
        for case in test.get("cases") or []:
            tally.disagree.append(f"{top}:{test.get('name')}/{case.get('name')}: {exc}")
        return
    for case in test.get("cases") or []:
        label = f"{os.path.relpath(top)}:{test.get('name')}/{case.get('name')}"
        try:
            objs = _docs(os.path.join(top, case["object"]))
            inventory = [d for p in case.get("inventory") or [] for d in _docs(os.path.join(top, p))]
        except (OSError, KeyError):
            tally.out_of_scope += 1
            continue
        if not objs:
            tally.out_of_scope += 1
            continue
        env = _env([*inventory, *objs])
        subject = tuple(Obj(o) for o in objs[:1])
        engine = tpl.engine.clone()
        import json
        engine.add_data_json(json.dumps(gk.inventory(env.objects), default=str))
        messages = [v.message for v in gk.constraint_violations(cdoc, tpl, engine, env, subject)]
        ok = True
        for a in case.get("assertions") or []:
            want = a.get("violations")
            import re
            found = len([m for m in messages if "message" not in a or re.search(str(a["message"]), m)])
            if want in ("yes", True):
                ok = ok and found > 0
            elif want in ("no", False):
                ok = ok and found == 0
            elif isinstance(want, int):
                ok = ok and found == want
        if ok:
            tally.agree += 1
        else:
            tally.disagree.append(f"{label}: {messages}, expected {case.get('assertions')}")


# ---- kyverno/policies ---------------------------------------------------------------------

def kyverno(root: str, tally: Tally | None = None) -> Tally:
    tally = tally or Tally()
    for top, dirs, files in sorted(os.walk(root)):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        if "kyverno-test.yaml" in files:
            for test in _docs(os.path.join(top, "kyverno-test.yaml")):
                _kyverno_test(top, test, tally)
    return tally


def _kyverno_test(top: str, test: dict, tally: Tally) -> None:
    from lamina.policies import kyverno as ky
    results = test.get("results") or []
    try:
        pols = [d for p in test.get("policies") or [] for d in _docs(os.path.normpath(os.path.join(top, p)))]
        res = [d for p in test.get("resources") or [] for d in _docs(os.path.normpath(os.path.join(top, p)))]
    except OSError:
        tally.out_of_scope += len(results)
        return
    if test.get("variables") or test.get("userinfo") or any(
            str(d.get("apiVersion", "")).startswith("kyverno.io") is False for d in pols):
        tally.out_of_scope += len(results)      # values files, user info, non-ClusterPolicy kinds
        return
    env = _env(res)
    seen: dict[tuple[str, str, str, str], str] = {}
    for pol in pols:
        doc = PolicyDoc(pol)

        def record(rule: str, obj: Any, result: str, doc: PolicyDoc = doc) -> None:
            for r in (rule, rule.replace("autogen-cronjob-", "").replace("autogen-", "")):
                seen[(doc.name, r, obj.kind, obj.name)] = result
        try:
            ky.evaluate_policy(doc, env, record)
        except LaminaError as exc:
            for r in results:
                if r.get("policy") == doc.name:
                    tally.disagree.append(f"{top}: {doc.name}: {exc}")
            continue
    validating = {(p.get("metadata", {}).get("name"), str(rule.get("name")))
                  for p in pols for rule in (p.get("spec") or {}).get("rules") or [] if "validate" in rule}
    for r in results:
        names = r.get("resources") or ([r["resource"]] if r.get("resource") else [])
        rule = str(r.get("rule")).replace("autogen-cronjob-", "").replace("autogen-", "")
        if (str(r.get("policy")).rpartition("/")[2], rule) not in validating:
            tally.out_of_scope += len(names)      # mutate, generate, verifyImages: not evaluated
            continue
        for name in names:
            name = str(name).rpartition("/")[2]
            key = (str(r.get("policy")).rpartition("/")[2], str(r.get("rule")), str(r.get("kind")), name)
            got = seen.get(key, "skip")
            want = r.get("result")
            if got == want:
                tally.agree += 1
            else:
                tally.disagree.append(f"{os.path.relpath(top)}: {key}: lamina {got}, expected {want}")


# ---- ValidatingAdmissionPolicy cases (tests/policies/data/vap/*.yaml) -------------------------

def vap(path: str, tally: Tally | None = None) -> Tally:
    from lamina.policies import vap as engine
    tally = tally or Tally()
    files = [path] if path.endswith(".yaml") else sorted(
        os.path.join(path, f) for f in os.listdir(path) if f.endswith(".yaml"))
    groups = []
    for cases_file in files:
        with open(cases_file, encoding="utf-8") as fh:
            groups.extend(yaml.safe_load(fh))
    for group in groups:
        docs = [PolicyDoc(d) for d in group.get("policies") or []]
        namespaces = [{"apiVersion": "v1", "kind": "Namespace",
                       "metadata": {"name": n["name"], "labels": n.get("labels") or {}}}
                      for n in group.get("namespaces") or []]
        params = tuple(Obj(d.data) for d in docs)
        for i, case in enumerate(group.get("cases") or []):
            env = _env([*namespaces, case["object"]])
            env.params = (*env.params, *params)
            found = [v for v in engine.evaluate(docs, env)
                     if v.obj is None or v.obj.data is case["object"]]
            levels = {v.level for v in found}
            got = "fail" if "error" in levels else ("warn" if found else "pass")
            ok = got == case["expect"] and (
                "message" not in case or any(v.message == case["message"] for v in found))
            if ok:
                tally.agree += 1
            else:
                tally.disagree.append(f"{group['name']}[{i}]: lamina {got} "
                                      f"{[v.message for v in found]}, expected {case['expect']}")
    return tally


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gatekeeper")
    ap.add_argument("--kyverno")
    ap.add_argument("--vap", help="a folder of case files (tests/policies/data/vap) or one file")
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args(argv)
    engines = (("gatekeeper", args.gatekeeper, gatekeeper), ("kyverno", args.kyverno, kyverno),
               ("validating-admission-policy", args.vap, vap))
    for name, root, fn in engines:
        if not root:
            continue
        t = fn(root)
        print(f"{name}: {t.agree}/{t.total} agree ({100 * t.rate():.1f}%), "
              f"{t.out_of_scope} cases out of scope")
        if args.v:
            for d in t.disagree:
                print("  " + d)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    sys.exit(main())
