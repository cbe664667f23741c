"""Upstream policies that are not in tests/policies/data, through `lamina check`, end to end.

usage: python tests/policies/heldout.py (gk DIR | ky DIR) [N] [START]

DIR is a checkout of open-policy-agent/gatekeeper-library (gk) or kyverno/policies (ky).
For N policies (from START in a fixed shuffle) that the pinned subsets do not hold, each upstream case is
written as a project (lamina.yaml `policies:` with the upstream policy files, an overlay
holding the test resources), `lamina check --format json` runs on it, and the upstream
expectation (violation or not; Kyverno's pass/fail/skip) is compared with whether the
resource has a finding from that policy and rule. Prints the agreement and each
disagreement. Gatekeeper cases whose object is an AdmissionReview (an UPDATE) and Kyverno
tests with values files, user info, non-validate rules or duplicate resources are skipped.
"""
import glob
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

import yaml

LAMINA = os.path.join(os.path.dirname(sys.executable), "lamina")
GK = KY = ""
PINNED_GK = {"requiredlabels", "allowedrepos", "containerlimits", "uniqueingresshost", "privileged-containers"}
PINNED_KY = {"disallow-latest-tag", "require-labels", "disallow-privileged-containers", "disallow-host-namespaces"}

def run(files):
    d = tempfile.mkdtemp(prefix="lamina-heldout-")
    for rel, text in files.items():
        p = os.path.join(d, rel); os.makedirs(os.path.dirname(p), exist_ok=True)
        open(p, "w").write(text)
    proc = subprocess.run([LAMINA, "check", "--format", "json", "--no-color"], cwd=d, capture_output=True, text=True)
    shutil.rmtree(d, ignore_errors=True)
    try:
        data = json.loads(proc.stdout)
    except Exception:
        return None, proc.stderr[-600:] or proc.stdout[-600:]
    return data, proc.returncode

def findings(data):
    items = data.get("findings") if isinstance(data, dict) else data
    return [f for f in items or [] if f.get("check") in ("admission-policy", None) or "admission" in json.dumps(f)]

def dump(objs):
    return "---\n".join(yaml.safe_dump(o, sort_keys=False) for o in objs)

def gatekeeper(n, start=0):
    suites = sorted(glob.glob(f"{GK}/library/**/suite.yaml", recursive=True))
    suites = [s for s in suites if os.path.basename(os.path.dirname(s)) not in PINNED_GK]
    random.Random(17).shuffle(suites)
    agree, bad = 0, []
    for s in suites[start:start + n]:
        base = os.path.dirname(s)
        suite = yaml.safe_load(open(s))
        for t in suite.get("tests") or []:
            tpl = open(os.path.join(base, t["template"])).read()
            con = open(os.path.join(base, t["constraint"])).read()
            for c in t.get("cases") or []:
                obj = yaml.safe_load(open(os.path.join(base, c["object"])))
                if obj.get("kind") == "AdmissionReview":
                    continue        # an UPDATE's review, not a manifest: out of scope offline
                inv = []
                for f in c.get("inventory") or []:
                    inv += [d for d in yaml.safe_load_all(open(os.path.join(base, f))) if d]
                want = any((a.get("violations") not in ("no", 0, None)) for a in c.get("assertions") or [])
                res = [f"o{i}.yaml" for i in range(len(inv) + 1)]
                files = {"lamina.yaml": "policies: [policies]\n", "policies/template.yaml": tpl, "policies/constraint.yaml": con,
                         "overlays/t/kustomization.yaml": yaml.safe_dump({"resources": res}),
                         **{f"overlays/t/o{i}.yaml": yaml.safe_dump(o) for i, o in enumerate([obj, *inv])}}
                data, rc = run(files)
                if data is None:
                    bad.append(f"{base[len(GK)+1:]} {c.get('name')}: lamina failed: {rc}")
                    continue
                name = (obj.get("metadata") or {}).get("name")
                hits = [f for f in findings(data) if f"/{name}" in str(f.get("resource")) and obj.get("kind") in str(f.get("resource"))]
                got = bool(hits)
                if got == want:
                    agree += 1
                else:
                    bad.append(f"{base[len(GK)+1:]} {c.get('name')}: lamina {got} expected {want} {[h.get('message') for h in hits][:2]}")
    return agree, bad

def kyverno(n, start=0):
    tests = sorted(glob.glob(f"{KY}/*/*/.kyverno-test/kyverno-test.yaml")) + sorted(glob.glob(f"{KY}/*/*/*/.kyverno-test/kyverno-test.yaml"))
    tests = [t for t in tests if os.path.basename(os.path.dirname(os.path.dirname(t))) not in PINNED_KY]
    random.Random(17).shuffle(tests)
    agree, bad, done, seen = 0, [], 0, 0
    for t in tests:
        if done >= n: break
        tdir = os.path.dirname(t); spec = yaml.safe_load(open(t))
        if spec.get("variables") or spec.get("userinfo"): continue
        pols = []
        for p in spec.get("policies") or []:
            pols += [d for d in yaml.safe_load_all(open(os.path.join(tdir, p))) if d]
        if any(not str(p.get("apiVersion","")).startswith("kyverno.io/") for p in pols): continue
        rules = {r["name"]: r for p in pols for r in (p.get("spec") or {}).get("rules") or []}
        if any("validate" not in r for r in rules.values()): continue
        res = []
        for r in spec.get("resources") or []:
            res += [d for d in yaml.safe_load_all(open(os.path.join(tdir, r))) if d]
        ids = [(o.get("kind"), (o.get("metadata") or {}).get("namespace"), (o.get("metadata") or {}).get("name")) for o in res]
        if len(set(ids)) != len(ids): continue          # kustomize refuses duplicate ids
        seen += 1
        if seen <= start: continue
        done += 1
        files = {"lamina.yaml": "policies: [policies]\n", "policies/p.yaml": dump(pols),
                 "overlays/t/kustomization.yaml": yaml.safe_dump({"resources": [f"r{i}.yaml" for i in range(len(res))]}),
                 **{f"overlays/t/r{i}.yaml": yaml.safe_dump(o) for i, o in enumerate(res)}}
        data, rc = run(files)
        name = os.path.relpath(tdir, KY)
        if data is None:
            bad.append(f"{name}: lamina failed: {rc}"); continue
        fs = findings(data)
        for r in spec.get("results") or []:
            rule = r.get("rule"); want = r.get("result") == "fail"
            for resname in r.get("resources") or ([r["resource"]] if r.get("resource") else []):
                resname = str(resname).rpartition("/")[2]
                hits = [f for f in fs if f"/{resname}" in str(f.get("resource")) and str(f.get("resource")).startswith(str(r.get("kind")))
                        and (f"({rule})" in f.get("message", "") or f"(autogen-{rule})" in f.get("message", "") or f"(autogen-cronjob-{rule})" in f.get("message", ""))]
                if bool(hits) == want: agree += 1
                else: bad.append(f"{name}: {rule} {r.get('kind')}/{resname}: lamina {bool(hits)} expected {r.get('result')}")
    return agree, bad

if __name__ == "__main__":
    which, root = sys.argv[1], os.path.abspath(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 15
    start = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    GK = KY = root
    a, b = (gatekeeper if which == "gk" else kyverno)(n, start)
    print(f"{which}: {a}/{a + len(b)} agree")
    print("\n".join(b))
