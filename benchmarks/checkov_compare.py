"""Compare `lamina check` with Checkov on folders of rendered trees, per resource and category.

    python benchmarks/checkov_compare.py --checkov PATH/TO/checkov RENDERS [RENDERS...]

Each RENDERS folder holds rendered trees, one YAML file per tree (`lamina build` output),
in sub-folders if you like. Checkov is a tool for this comparison only, never a lamina
dependency: install it in a venv of its own (`pip install checkov`).

Both tools see the same files. lamina checks them as a throwaway project with one
environment per tree (`overlays/<tree>/kustomization.yaml` listing the file) under the
strict preset (every rule on), plus `resources.require_cpu_limit` so CPU limits can be
compared, and once more under the default preset for image tags (strict asks for digests
instead). Checkov runs once over all the files with `--framework kubernetes -o json`.

A category pairs Checkov check IDs with lamina findings (check ID and a message pattern).
A resource is compared in a category when Checkov evaluated it there (passed or failed);
findings are counted per resource, not per container. The output gives, per category, the
resources compared, those both flag, those both pass, and each disagreement: `lamina only`
(lamina flags it, Checkov passes it) and `checkov only`. Findings lamina makes on resources
Checkov did not evaluate (kinds it does not know, files it skipped) are counted apart.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

_ALL_WILD = r"wildcard in verbs and resources and apiGroups"

# category: (Checkov IDs, [(lamina check, message pattern)], note on how they differ)
CATEGORIES: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str], ...], str]] = {
    "privileged": (("CKV_K8S_16",), (("hardening", r"is privileged$"),
                                     ("pod-security", r"is privileged$")), ""),
    "root": (("CKV_K8S_23",), (("hardening", r"may run as root|runs as user 0|overrides the pod"),),
             "pod-security restricted also asks runAsNonRoot where a non-zero runAsUser is set"),
    "host namespaces": (("CKV_K8S_17", "CKV_K8S_18", "CKV_K8S_19"),
                        (("hardening", r"^host(Network|PID|IPC) is true"),
                         ("pod-security", r"host(Network|PID|IPC) is not allowed")), ""),
    "hostPort": (("CKV_K8S_26",), (("pod-security", r"uses hostPort"),), ""),
    "hostPath (docker socket)": (("CKV_K8S_27",), (("hardening", r"mounts a hostPath"),),
                                 "Checkov flags only the docker socket; lamina every hostPath"),
    "capabilities added": (("CKV_K8S_25",), (("pod-security", r"adds capabilities|may add only"),),
                           "restricted allows adding NET_BIND_SERVICE"),
    "SYS_ADMIN": (("CKV_K8S_39",), (("hardening", r"adds capabilities .*SYS_ADMIN"),), ""),
    "capabilities drop": (("CKV_K8S_37", "CKV_K8S_28"), (("pod-security", r"must drop ALL"),), ""),
    "allowPrivilegeEscalation": (("CKV_K8S_20",), (("pod-security", r"allowPrivilegeEscalation"),), ""),
    "seccomp": (("CKV_K8S_31",), (("pod-security", r"seccompProfile"),), ""),
    "image tag": (("CKV_K8S_14",), (("image-tag", r"is not pinned|has no image$"),), ""),
    "image digest": (("CKV_K8S_43",), (("image-tag", r"has no @sha256 digest|has no image$"),), ""),
    "requests.cpu": (("CKV_K8S_10",), (("resources", r"requests\.cpu"),), ""),
    "requests.memory": (("CKV_K8S_12",), (("resources", r"requests\.memory"),), ""),
    "limits.cpu": (("CKV_K8S_11",), (("resources", r"limits\.cpu"),), ""),
    "limits.memory": (("CKV_K8S_13",), (("resources", r"limits\.memory"),), ""),
    "liveness probe": (("CKV_K8S_8",), (("probes", r"livenessProbe"),), ""),
    "readiness probe": (("CKV_K8S_9",), (("probes", r"readinessProbe"),), ""),
    "readOnlyRootFilesystem": (("CKV_K8S_22",), (("hardening", r"readOnlyRootFilesystem"),), ""),
    "service-account token": (("CKV_K8S_38",), (("hardening", r"token"),),
                              "lamina lets a pod whose account a binding names mount it"),
    "default SA bound": (("CKV_K8S_42",), (("hardening", r"to the default service account"),), ""),
    "secrets in env": (("CKV_K8S_35",), (("hardening", r"takes Secret"),), ""),
    "network policy": (("CKV2_K8S_6",), (("network-policy", r""),), ""),
    "rbac wildcard": (("CKV_K8S_49",), (("rbac", r"wildcard"),), ""),
    # A rule with `*` everywhere grants bind, escalate, impersonate and reading Secrets too:
    # lamina reports it once, as a wildcard. Checkov's graph checks (CKV2_*) report the
    # binding: lamina's finding on the role it binds counts for it.
    "rbac bind": (("CKV_K8S_157",), (("rbac", r"grants .*\bbind\b|" + _ALL_WILD),), ""),
    "rbac escalate": (("CKV_K8S_158",), (("rbac", r"grants .*\bescalate\b|" + _ALL_WILD),), ""),
    "rbac impersonate": (("CKV2_K8S_3",), (("rbac", r"grants .*\bimpersonate\b|" + _ALL_WILD),),
                         ""),
    "rbac read secrets": (("CKV2_K8S_5",), (("rbac", r"read every Secret|" + _ALL_WILD),),
                          "lamina: a ClusterRole, or a Role in kube-system; Checkov: any Role"),
    "UID > 10000": (("CKV_K8S_40",), (), "no lamina rule"),
    "imagePullPolicy Always": (("CKV_K8S_15",), (), "no lamina rule"),
}

Key = tuple[str, str, str, str]     # tree, kind, namespace ("default" when none), name

STRICT = """apiVersion: lamina.dev/v1alpha1
kind: Project
checks:
  preset: {preset}
  rules:
    resources: {{require_cpu_limit: true}}
    cross-environment: {{enabled: false}}
"""


@dataclass
class Tally:
    both: set[Key] = field(default_factory=set)
    neither: set[Key] = field(default_factory=set)
    lamina_only: set[Key] = field(default_factory=set)
    checkov_only: set[Key] = field(default_factory=set)
    unevaluated: set[Key] = field(default_factory=set)   # lamina flags, Checkov never looked


def trees(folders: list[Path]) -> dict[str, Path]:
    """tree id (t0001...) -> rendered file, in a stable order."""
    files = sorted(p for f in folders for p in sorted(f.rglob("*.y*ml")) if p.is_file())
    return {f"t{i:04d}": p for i, p in enumerate(files, 1)}


def run_lamina(lamina: str, by_id: dict[str, Path], work: Path, preset: str
               ) -> tuple[list[dict[str, object]], float]:
    project = work / f"lamina-{preset}"
    for tid, path in by_id.items():
        env = project / "overlays" / tid
        env.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, env / "all.yaml")
        (env / "kustomization.yaml").write_text("resources: [all.yaml]\n")
    (project / "lamina.yaml").write_text(STRICT.format(preset=preset))
    start = time.perf_counter()
    proc = subprocess.run([lamina, "check", "--format", "json", "--no-color"], cwd=project,
                          capture_output=True, text=True)
    took = time.perf_counter() - start
    try:
        findings = json.loads(proc.stdout)["findings"]
    except (ValueError, KeyError):
        sys.exit(f"lamina check failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    return list(findings), took


def lamina_keys(findings: list[dict[str, object]]) -> dict[str, set[Key]]:
    """category -> resources lamina flags in it."""
    out: dict[str, set[Key]] = {c: set() for c in CATEGORIES}
    for f in findings:
        parts = str(f["resource"]).split("/")
        kind, ns, name = (parts[0], "default", parts[1]) if len(parts) == 2 else parts[:3]
        key = (str(f["environment"]), kind, ns, name)
        for cat, (_ids, rules, _note) in CATEGORIES.items():
            if any(f["check"] == check and re.search(pat, str(f["message"]))
                   for check, pat in rules):
                out[cat].add(key)
    return out


def run_checkov(checkov: str, by_id: dict[str, Path], work: Path, saved: Path | None
                ) -> tuple[dict[str, set[Key]], dict[str, set[Key]], float]:
    """(category -> resources Checkov fails, category -> resources it evaluated, seconds).
    With `saved`, Checkov's report is read from there when it exists (0 seconds), else
    written there: Checkov takes minutes, and its verdicts do not change while lamina's do."""
    took = 0.0
    if saved is not None and saved.exists():
        report = json.loads(saved.read_text())
    else:
        folder = work / "checkov"
        folder.mkdir()
        for tid, path in by_id.items():
            shutil.copyfile(path, folder / f"{tid}.yaml")
        start = time.perf_counter()
        proc = subprocess.run([checkov, "-d", str(folder), "--framework", "kubernetes", "-o",
                               "json", "--compact", "--skip-download"], capture_output=True,
                              text=True)
        took = time.perf_counter() - start
        try:
            report = json.loads(proc.stdout)
        except ValueError:
            sys.exit(f"checkov failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
        if saved is not None:
            saved.write_text(proc.stdout)
    reports = report if isinstance(report, list) else [report]
    to_cat = {cid: cat for cat, (ids, _r, _n) in CATEGORIES.items() for cid in ids}
    failed: dict[str, set[Key]] = {c: set() for c in CATEGORIES}
    seen: dict[str, set[Key]] = {c: set() for c in CATEGORIES}
    for rep in reports:
        results = rep.get("results") or {}
        for outcome in ("passed_checks", "failed_checks"):
            for r in results.get(outcome) or []:
                cat = to_cat.get(r["check_id"])
                if cat is None:
                    continue
                key = _checkov_key(r)
                if key is None:
                    continue
                seen[cat].add(key)
                if outcome == "failed_checks":
                    failed[cat].add(key)
    return failed, seen, took


def _checkov_key(r: dict[str, object]) -> Key | None:
    tid = Path(str(r["file_path"])).stem
    kind, _, rest = str(r["resource"]).partition(".")
    ns, _, name = rest.partition(".")
    return (tid, kind, ns, name) if name else None


def _bindings_of(roles: set[Key], by_id: dict[str, Path]) -> set[Key]:
    """The RoleBindings and ClusterRoleBindings that bind one of `roles` in its tree."""
    out: set[Key] = set()
    for tid in sorted({k[0] for k in roles}):
        for doc in yaml.load_all(by_id[tid].read_text(), Loader=yaml.CBaseLoader):
            if not isinstance(doc, dict) or doc.get("kind") not in ("RoleBinding",
                                                                     "ClusterRoleBinding"):
                continue
            md, ref = doc.get("metadata") or {}, doc.get("roleRef") or {}
            ns = md.get("namespace") or "default"
            role = (tid, ref.get("kind"), ns if ref.get("kind") == "Role" else "default",
                    ref.get("name"))
            if role in roles:
                out.add((tid, str(doc["kind"]), ns, str(md.get("name"))))
    return out


def compare(checkov: str, lamina: str, folders: list[Path], saved: Path | None = None
            ) -> dict[str, object]:
    by_id = trees(folders)
    with tempfile.TemporaryDirectory(prefix="checkov-compare-") as tmp:
        work = Path(tmp)
        strict, lamina_s = run_lamina(lamina, by_id, work, "strict")
        default, lamina_d = run_lamina(lamina, by_id, work, "default")
        failed, seen, checkov_s = run_checkov(checkov, by_id, work, saved)
    flagged = lamina_keys(strict)
    flagged["image tag"] = lamina_keys(default)["image tag"]
    for cat in ("rbac impersonate", "rbac read secrets"):
        flagged[cat] |= _bindings_of(flagged[cat], by_id)
    tallies: dict[str, Tally] = {}
    for cat in CATEGORIES:
        t = tallies[cat] = Tally()
        for key in seen[cat]:
            bucket = (t.both if key in failed[cat] else t.lamina_only) if key in flagged[cat] \
                else (t.checkov_only if key in failed[cat] else t.neither)
            bucket.add(key)
        t.unevaluated = flagged[cat] - seen[cat]
    resources = {k for s in seen.values() for k in s}
    return {"trees": by_id, "tallies": tallies, "lamina_s": lamina_s, "lamina_default_s": lamina_d,
            "checkov_s": checkov_s, "resources": len({k for k in resources})}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--checkov", required=True, help="the checkov executable")
    ap.add_argument("--lamina", default="lamina", help="the lamina executable")
    ap.add_argument("--json", type=Path, help="also write the disagreements here")
    ap.add_argument("--checkov-report", type=Path,
                    help="Checkov's JSON report: read when it exists, else written")
    args = ap.parse_args(argv)
    result = compare(args.checkov, args.lamina, args.folders, args.checkov_report)
    by_id: dict[str, Path] = result["trees"]            # type: ignore[assignment]
    tallies: dict[str, Tally] = result["tallies"]       # type: ignore[assignment]
    print(f"{len(by_id)} trees, {result['resources']} resources Checkov evaluated; "
          f"lamina {result['lamina_s']:.1f} s (strict, one run), "
          f"Checkov {result['checkov_s']:.1f} s")
    print(f"{'category':28} {'compared':>8} {'both':>6} {'neither':>7} {'lamina only':>11} "
          f"{'checkov only':>12} {'agree':>7}  not seen by Checkov")
    for cat, t in tallies.items():
        n = len(t.both) + len(t.neither) + len(t.lamina_only) + len(t.checkov_only)
        agree = f"{100 * (len(t.both) + len(t.neither)) / n:.1f}%" if n else "-"
        print(f"{cat:28} {n:8} {len(t.both):6} {len(t.neither):7} {len(t.lamina_only):11} "
              f"{len(t.checkov_only):12} {agree:>7}  {len(t.unevaluated)}")
    dump: dict[str, dict[str, list[str]]] = {}
    for cat, t in tallies.items():
        for label, keys in (("lamina only", t.lamina_only), ("checkov only", t.checkov_only)):
            if keys and CATEGORIES[cat][1]:
                print(f"\n{cat}: {label} ({len(keys)})"
                      + (f" [{CATEGORIES[cat][2]}]" if CATEGORIES[cat][2] else ""))
                for tid, kind, ns, name in sorted(keys):
                    print(f"  {by_id[tid]}  {kind}/{ns}/{name}")
                dump.setdefault(cat, {})[label] = [f"{by_id[k[0]]} {k[1]}/{k[2]}/{k[3]}"
                                                   for k in sorted(keys)]
    if args.json:
        args.json.write_text(json.dumps(dump, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
