"""How much 50 admission policies add to `lamina render` on the 200 x 10 benchmark tree.

usage: python benchmarks/policy_render.py [--services 200] [--envs 10] [--runs 3] [--wall]

Writes the tree with ../shared/bench/gen_tree.py (or $LAMINA_GEN_TREE) and 50 policies
(20 ValidatingAdmissionPolicies with their bindings, 20 Kyverno rules, 10 Gatekeeper
constraints of one template), and prints the CPU time they add to rendering and
checking every environment in one new process (best of --runs, build caches warm):
cold (no policy results kept in the cache store: a first run, or every object changed)
and warm (the results the last run kept). With --wall, also the wall time of
`lamina render` without them, and with them cold and warm. It uses a cache folder of
its own (XDG_CACHE_HOME in its temporary folder).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

VAP = """apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {{name: vap-{i}}}
spec:
  matchConstraints:
    resourceRules:
    - {{apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}}
  validations:
  - expression: "object.spec.replicas <= {limit}"
  - expression: "object.spec.template.spec.containers.all(c, !c.image.endsWith(':latest'))"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {{name: vap-{i}}}
spec: {{policyName: vap-{i}, validationActions: [Warn]}}
"""
KYVERNO = """apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {{name: kyv-{i}}}
spec:
  validationFailureAction: Audit
  rules:
  - name: labels-{i}
    match: {{any: [{{resources: {{kinds: [Deployment, Service]}}}}]}}
    validate:
      message: "label app.kubernetes.io/name is required"
      pattern: {{metadata: {{name: "!*-legacy-{i}", labels: {{app.kubernetes.io/name: "?*"}}}}}}
"""
TEMPLATE = """apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8srequiredannotations}
spec:
  crd: {spec: {names: {kind: K8sRequiredAnnotations}}}
  targets:
  - target: admission.k8s.gatekeeper.sh
    rego: |
      package k8srequiredannotations
      violation[{"msg": msg}] {
        required := {k | k := input.parameters.annotations[_]}
        provided := {k | input.review.object.metadata.annotations[k]}
        missing := required - provided
        count(missing) > 0
        msg := sprintf("missing annotations: %v", [missing])
      }
"""
CONSTRAINT = """apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sRequiredAnnotations
metadata: {{name: ann-{i}}}
spec:
  enforcementAction: warn
  match: {{kinds: [{{apiGroups: [apps], kinds: [Deployment]}}]}}
  parameters: {{annotations: [team-{i}]}}
"""


def _check_cpu(root: str, with_policies: bool) -> float:
    """CPU seconds (this process; jobs=1, so every target is rendered and checked here)
    of building every environment and running only the admission-policy check (or no
    check): the difference is what the policies add. CPU time, not wall time, so the
    figure holds on a loaded machine."""
    from lamina.checks.admission_policy import Options
    from lamina.checks.config import Rule
    from lamina.project import engine
    from lamina.project.config import load_project
    project = load_project(root)
    rules = (Rule("admission-policy", with_policies, "error", Options()),)
    plan = engine.Plan(project, engine.jobs_of(project), engine.Mode.FINDINGS, rules=rules)
    start = time.process_time()
    engine.run(plan, 1, gate=False)
    return time.process_time() - start


def _cpu(root: str, with_policies: bool, cold: bool, runs: int) -> float:
    """Best of `runs` of _check_cpu, each in a new process (as a render worker starts:
    nothing compiled or remembered in memory); `cold` empties the policy results kept in
    the cache store first (store section `policies`)."""
    best = float("inf")
    for _ in range(runs):
        if cold:
            _forget_policy_results()
        proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--cpu-of", root,
                               "with" if with_policies else "without"],
                              capture_output=True, text=True, check=True)
        best = min(best, float(proc.stdout.split()[-1]))
    return best


def _forget_policy_results() -> None:
    from lamina.store.folder import section
    shutil.rmtree(section("policies"), ignore_errors=True)


def _render(lamina: str, root: str, runs: int, cold: bool = False) -> float:
    """Best wall time of `runs` runs of `lamina render` after one that warms the caches;
    `cold` empties the policy results kept in the cache store before each."""
    best = float("inf")
    for i in range(runs + 1):
        if cold:
            _forget_policy_results()
        start = time.perf_counter()
        proc = subprocess.run([lamina, "render"], cwd=root, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if proc.returncode not in (0, 1):
            sys.exit(proc.stderr[-2000:])
        if i:
            best = min(best, elapsed)
    return best


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--services", type=int, default=200)
    ap.add_argument("--envs", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--wall", action="store_true", help="also time `lamina render` (needs a quiet machine)")
    ap.add_argument("--cpu-of", nargs=2, metavar=("ROOT", "with|without"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.cpu_of:
        print(f"{_check_cpu(args.cpu_of[0], args.cpu_of[1] == 'with'):.3f}")
        return 0
    here = os.path.dirname(os.path.abspath(__file__))
    gen = os.environ.get("LAMINA_GEN_TREE") or os.path.join(here, "..", "..", "shared", "bench", "gen_tree.py")
    lamina = os.path.join(os.path.dirname(sys.executable), "lamina")
    work = tempfile.mkdtemp(prefix="lamina-policy-bench-")
    # A cache folder of its own: the cold runs empty its policy results.
    os.environ["XDG_CACHE_HOME"] = os.path.join(work, "cache")
    os.environ.pop("LAMINA_NO_CACHE", None)
    try:
        root = os.path.join(work, "tree")
        subprocess.run([sys.executable, gen, root, "--services", str(args.services),
                        "--envs", str(args.envs)], check=True, capture_output=True)
        # (The generated tree's plaintext Secrets fail a built-in check either way: render
        # then writes nothing, with or without policies, so the two runs compare.)
        project = os.path.join(root, "lamina.yaml")
        base = open(project, encoding="utf-8").read() if os.path.exists(project) else ""
        without = _render(lamina, root, args.runs) if args.wall else 0.0
        pol = os.path.join(root, "policies")
        os.makedirs(pol)
        for i in range(20):
            open(os.path.join(pol, f"vap-{i}.yaml"), "w").write(VAP.format(i=i, limit=10 + i))
            open(os.path.join(pol, f"kyv-{i}.yaml"), "w").write(KYVERNO.format(i=i))
        open(os.path.join(pol, "template.yaml"), "w").write(TEMPLATE)
        for i in range(10):
            open(os.path.join(pol, f"ann-{i}.yaml"), "w").write(CONSTRAINT.format(i=i))
        with open(project, "w", encoding="utf-8") as fh:
            fh.write(base + ("\n" if base and not base.endswith("\n") else "") + "policies: [policies]\n")
        _cpu(root, False, False, 1)                 # warm the build caches
        cpu_without = _cpu(root, False, False, args.runs)
        cpu_cold = _cpu(root, True, True, args.runs)
        _cpu(root, True, False, 1)                  # remember the policy results
        cpu_warm = _cpu(root, True, False, args.runs)
        workers = min(os.cpu_count() or 1, args.envs)
        print(f"{args.services}x{args.envs}, 50 policies, CPU of one process (best of {args.runs}): "
              f"{cpu_without:.2f} s without policies; with them {cpu_cold:.2f} s cold (no "
              f"policy results kept), {cpu_warm:.2f} s warm: the policies add "
              f"{cpu_cold - cpu_without:.2f} CPU s cold, {cpu_warm - cpu_without:.2f} warm "
              f"(about {(cpu_cold - cpu_without) / workers:.2f} s and "
              f"{(cpu_warm - cpu_without) / workers:.2f} s of wall over {workers} render workers)")
        if args.wall:
            cold = _render(lamina, root, args.runs, cold=True)
            warm = _render(lamina, root, args.runs)
            print(f"lamina render wall time (best of {args.runs}): without policies {without:.2f} s; "
                  f"with them {cold:.2f} s cold ({cold - without:+.2f} s), {warm:.2f} s warm "
                  f"({warm - without:+.2f} s)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
