#!/usr/bin/env python3
"""lamina against the pinned `kubectl kustomize`, in one run, on the same trees.

usage: python benchmarks/run.py [--quick] [--only a,b,...] [--work DIR] [--markdown FILE]

(run it with the venv's python, so `lamina` and `kubectl` are found next to it)

  --quick   small trees (50 services, 3 environments, 1,000/3,000 flat resources, 2 MB of
            CRDs), 3 runs each: a smoke test in about two minutes
  (full)    the sizes of issue 7: 200 services, 200x10, 1,000/3,000/6,000 flat, 10 MB CRDs

Every measurement runs the two tools as separate processes, alternating them run by run so
that load from other processes hits both alike, and reports medians of wall time, CPU time
(user+system of the child, which contention inflates less) and peak RSS. kubectl cases that
take minutes run fewer times; the table says how many. The sections (a)...(h) are those of
docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, REPO)
import trees  # noqa: E402

from tests.helpers.oracle import find_oracle  # noqa: E402 - the test suite's oracle rule

VENV_BIN = os.path.dirname(sys.executable)


def tool(name: str) -> str:
    path = os.path.join(VENV_BIN, name)
    return path if os.path.exists(path) else (shutil.which(name) or name)


LAMINA = [tool("lamina")]
# Filled in by main(): the same oracle as the tests (beside this Python, then PATH, and only
# a kubectl with Kustomize v5.8.1; another Kustomize would make every ratio meaningless).
KUBECTL: list[str] = []


@dataclass
class Run:
    wall: float
    cpu: float
    rss_mb: float


def run_once(cmd: list[str], out_path: str | None = None, env: dict | None = None) -> Run:
    """One process: wall time, its own CPU time and peak RSS (wait4 gives the child's rusage)."""
    out = open(out_path, "wb") if out_path else subprocess.DEVNULL
    # stderr goes to a file: a pipe nobody reads until the end would block a chatty child.
    with tempfile.TemporaryFile() as errf:
        try:
            t0 = time.perf_counter()
            p = subprocess.Popen(cmd, stdout=out, stderr=errf, env=env)
            _, status, ru = os.wait4(p.pid, 0)
            wall = time.perf_counter() - t0
            p.returncode = os.waitstatus_to_exitcode(status)
        finally:
            if out_path:
                out.close()
        errf.seek(0)
        err = errf.read().decode(errors="replace")
    if p.returncode != 0:
        raise SystemExit(f"failed ({p.returncode}): {' '.join(cmd)}\n{err[-2000:]}")
    return Run(wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024)


def run_sequence(cmds: list[list[str]], env: dict | None = None,
                 out_dir: str | None = None) -> Run:
    """Several processes one after another (kubectl once per overlay), summed. With
    `out_dir`, each writes its output to a file there, as a CI job rendering manifests
    does (lamina's render writes its files too)."""
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
    runs = [run_once(c, os.path.join(out_dir, f"{i}.yaml") if out_dir else None, env=env)
            for i, c in enumerate(cmds)]
    return Run(sum(r.wall for r in runs), sum(r.cpu for r in runs), max(r.rss_mb for r in runs))


def med(runs: list[Run]) -> Run:
    return Run(statistics.median(r.wall for r in runs), statistics.median(r.cpu for r in runs),
               max(r.rss_mb for r in runs))


ROWS: list[dict] = []


def compare(label: str, lamina, kubectl, runs: int, kruns: int | None = None,
            setup=None, note: str = "") -> dict:
    """Alternate lamina and kubectl; `lamina`/`kubectl` are callables returning a Run.
    kubectl gets `kruns` runs (default `runs`), interleaved with the first lamina runs."""
    kruns = runs if kruns is None else kruns
    ls, ks = [], []
    for i in range(max(runs, kruns)):
        if i < runs:
            if setup:
                setup()
            ls.append(lamina())
        if i < kruns:
            ks.append(kubectl())
    lm, km = med(ls), (med(ks) if ks else None)
    row = {"label": label, "lamina": lm, "kubectl": km, "runs": runs, "kruns": kruns,
           "note": note}
    ROWS.append(row)
    show(row)
    return row


def show(row: dict) -> None:
    lm, km = row["lamina"], row["kubectl"]
    if km is None:
        print(f"{row['label']:<44} lamina {lm.wall:8.3f}s wall {lm.cpu:8.3f}s cpu "
              f"{lm.rss_mb:6.0f} MB  {row['note']}", flush=True)
        return
    print(f"{row['label']:<44} lamina {lm.wall:8.3f}s wall {lm.cpu:8.3f}s cpu {lm.rss_mb:6.0f} MB"
          f" | kubectl {km.wall:8.3f}s wall {km.cpu:8.3f}s cpu {km.rss_mb:6.0f} MB"
          f" | x{km.wall / lm.wall:6.1f} wall x{km.cpu / lm.cpu:6.1f} cpu  "
          f"(n={row['runs']}/{row['kruns']}) {row['note']}", flush=True)


def same_output(directory: str, work: str) -> None:
    a, b = os.path.join(work, "l.yaml"), os.path.join(work, "k.yaml")
    run_once(LAMINA + ["build", directory], a)
    run_once(KUBECTL + [directory], b)
    with open(a, "rb") as fa, open(b, "rb") as fb:
        if fa.read() != fb.read():
            raise SystemExit(f"lamina and kubectl differ on {directory}")


# ---- the measurements --------------------------------------------------------------------

def bench_overlay(work: str, services: int, runs: int, kruns: int) -> None:
    tree = trees.gitops_tree(os.path.join(work, f"gitops-{services}x3"), services, 3)
    ov = os.path.join(tree, "overlays", "dev")
    same_output(ov, work)
    compare(f"(a) one overlay, {services} services", lambda: run_once(LAMINA + ["build", ov]),
            lambda: run_once(KUBECTL + [ov]), runs, kruns)


def bench_render(work: str, services: int, envs: int, runs: int, kruns: int) -> None:
    tree = trees.gitops_tree(os.path.join(work, f"gitops-{services}x{envs}"), services, envs)
    project = trees.copy_tree(tree, os.path.join(work, "project"))
    # `lamina render` runs lamina's default checks before writing. The synthetic tree
    # fails two of them by design (containers may run as root, plaintext Secrets), so
    # those two are turned off; schema validation and the other checks stay on.
    trees.write(os.path.join(project, "lamina.yaml"),
                "apiVersion: lamina.dev/v1alpha1\nkind: Project\nchecks:\n  rules:\n"
                "    hardening: {enabled: false}\n    plaintext-secret: {enabled: false}\n")
    overlays = sorted(os.path.join(project, "overlays", e)
                      for e in os.listdir(os.path.join(project, "overlays")))
    cache = os.path.join(work, "render-cache")
    env = dict(os.environ, XDG_CACHE_HOME=cache)
    # Each (b) run writes a folder of its own (lamina keeps output inside the project), and
    # the folders are deleted only after the timings: on this ext4 disk, creating files
    # within a minute or two of deleting many costs several seconds of kernel time (10,000
    # files right after an `rm -rf` of 10,000: 4-9 s), which a fresh CI machine does not
    # pay. kubectl's outputs go to fresh files in the same way.
    serial = [0]

    def fresh(prefix: str) -> str:
        serial[0] += 1
        return os.path.join(project if prefix == "rendered" else work, f"{prefix}-{serial[0]}")

    def render_all() -> Run:
        return run_once(LAMINA + ["render", "--project", project, "-o", fresh("rendered"),
                                  "--all"], env=env)

    # (b) cold: no output folder and an empty cache, as on a fresh CI machine.
    krow = compare(f"(b) every environment, {services}x{envs}, cold", render_all,
                   lambda: run_sequence([KUBECTL + [o] for o in overlays],
                                        out_dir=fresh("kubectl-out")), runs, kruns,
                   setup=lambda: shutil.rmtree(cache, ignore_errors=True),
                   note="kubectl: one process per overlay, output to files; lamina: empty cache")
    # (b) warm: a new output folder, but the build memo and per-resource cache of an
    # earlier render are on disk (a CI cache of ~/.cache/lamina between runs).
    render_all()
    ls = [render_all() for _ in range(runs)]
    _row(f"(b) every environment, {services}x{envs}, warm cache", ls, krow,
         "new output folder; caches on disk; kubectl figure is the cold run's")
    out = os.path.join(project, "rendered")
    # (c) one base file changes for real (an env value of one Deployment); lamina renders
    # again without --all, so only what changed is rebuilt.
    base = sorted(os.listdir(os.path.join(project, "bases")))[0]
    target = os.path.join(project, "bases", base, "deployment.yaml")
    run_once(LAMINA + ["render", "--project", project, "-o", out], env=env)
    counter = [0]

    def edit():
        counter[0] += 1
        with open(target, encoding="utf-8") as fh:
            text = fh.read()
        changed = re.sub(r'(\n\s+value: )"[^"\n]*"', rf'\1"bench-{counter[0]}"', text, count=1)
        if changed == text:
            changed = re.sub(r"(\n\s+image: )(\S+)", rf"\1\2-{counter[0]}", text, count=1)
        if changed == text:
            raise SystemExit(f"(c): found nothing to change in {target}")
        with open(target, "w", encoding="utf-8") as fh:
            fh.write(changed)

    ls = []
    for _ in range(runs):
        edit()
        ls.append(run_once(LAMINA + ["render", "--project", project, "-o", out], env=env))
    _row("(c) incremental: one base file changed", ls, krow,
         "a real change; kubectl figure is the full run of (b)")
    for name in os.listdir(project):
        if name.startswith("rendered-"):
            shutil.rmtree(os.path.join(project, name), ignore_errors=True)
    for name in os.listdir(work):
        if name.startswith("kubectl-out-"):
            shutil.rmtree(os.path.join(work, name), ignore_errors=True)


def _row(label: str, ls: list[Run], krow: dict, note: str) -> None:
    row = {"label": label, "lamina": med(ls), "kubectl": krow["kubectl"], "runs": len(ls),
           "kruns": krow["kruns"], "note": note}
    ROWS.append(row)
    show(row)


def bench_flat(work: str, sizes: list[int], kubectl_sizes: set[int], runs: int) -> None:
    for n in sizes:
        tree = trees.flat_tree(os.path.join(work, f"flat-{n}"), n)
        kr = (1 if n >= 3000 else runs) if n in kubectl_sizes else 0
        if kr:
            same_output(tree, work)
        note = "" if kr else "kubectl not run: the shared notes give 93 s"
        row = compare(f"(d) flat list, {n} resources", lambda: run_once(LAMINA + ["build", tree]),
                      lambda: run_once(KUBECTL + [tree]), runs, kr, note=note)
        print(f"    lamina {row['lamina'].wall / n * 1e3:.3f} ms/resource wall, "
              f"{row['lamina'].cpu / n * 1e3:.3f} ms/resource cpu", flush=True)


def bench_startup(work: str, runs: int) -> None:
    tree = trees.one_resource_tree(os.path.join(work, "one"))
    same_output(tree, work)
    compare("(e) start-up, one resource", lambda: run_once(LAMINA + ["build", tree]),
            lambda: run_once(KUBECTL + [tree]), runs)


def bench_crds(work: str, megabytes: float, runs: int) -> None:
    tree = trees.crd_tree(os.path.join(work, f"crds-{megabytes:g}mb"), megabytes)
    cache = os.path.join(work, "cache")
    env = dict(os.environ, XDG_CACHE_HOME=cache)
    same_output(tree, work)
    size = sum(os.path.getsize(os.path.join(tree, f)) for f in os.listdir(tree))
    note = f"{size / 1e6:.1f} MB input"
    compare(f"(f) big CRDs, cold (no cache)",
            lambda: run_once(LAMINA + ["build", tree], env=env),
            lambda: run_once(KUBECTL + [tree]), runs,
            setup=lambda: shutil.rmtree(cache, ignore_errors=True), note=note)
    run_once(LAMINA + ["build", tree], env=env)
    compare(f"(f) big CRDs, warm (cache filled)",
            lambda: run_once(LAMINA + ["build", tree], env=env),
            lambda: run_once(KUBECTL + [tree]), runs, note=note)


def bench_validation(work: str, n: int) -> None:
    """lamina's schema check over n mixed resources, after one warm-up pass (in-process)."""
    tree = trees.flat_tree(os.path.join(work, f"flat-{n}"), n)
    code = f"""
import time
from lamina.kustomize.build import build
from lamina.checks.schema import validator_for, resolve_version
objs = [r.obj for r in build({tree!r})]
version = resolve_version(None)
def check():
    bad = 0
    for o in objs:
        v = validator_for(version, o["apiVersion"], o["kind"], True)
        if v is not None and not v.is_valid(o):
            bad += 1
    return bad
t0 = time.perf_counter(); check(); cold = time.perf_counter() - t0
times = []
for _ in range(5):
    t0 = time.perf_counter(); bad = check(); times.append(time.perf_counter() - t0)
times.sort()
print(f"{{cold:.3f}} {{times[2]:.3f}} {{bad}}")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    cold, warm, bad = out.stdout.split()
    print(f"(v) schema validation of {n} resources: first pass {cold}s, warm median {warm}s, "
          f"{bad} invalid", flush=True)
    ROWS.append({"label": f"schema validation, {n} resources", "validation": (cold, warm, bad)})


def bench_profile(work: str, services: int, top: int = 15) -> None:
    tree = trees.gitops_tree(os.path.join(work, f"gitops-{services}x3"), services, 3)
    ov = os.path.join(tree, "overlays", "dev")
    code = f"""
import cProfile, pstats, io
from lamina.kustomize.build import build, render
pr = cProfile.Profile(); pr.enable(); render(build({ov!r})); pr.disable()
s = io.StringIO(); pstats.Stats(pr, stream=s).sort_stats("tottime").print_stats({top})
print(s.getvalue())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    print(f"(h) cProfile of `lamina build` on the {services}-service overlay:")
    print(out.stdout.replace(REPO + "/src/", "").replace(os.path.dirname(os.__file__), "<stdlib>"))


def machine() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; nproc {os.cpu_count()}; "
            f"{model}; Python {platform.python_version()}; load average {load:.1f} at start")


def markdown(header: str) -> str:
    """The rows as a Markdown table (what docs/performance.md shows)."""
    out = [f"Measured {header}", "",
           "| case | lamina wall s | kubectl wall s | ratio (wall) | lamina CPU s | kubectl CPU s "
           "| ratio (CPU) | lamina / kubectl peak RSS MB | runs lamina/kubectl | note |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for row in ROWS:
        if "validation" in row:
            cold, warm, bad = row["validation"]
            out.append(f"| {row['label']} | {warm} (first pass {cold}) | | | | | | | 5 | "
                       f"in-process, cached validators, {bad} invalid |")
            continue
        lm, km = row["lamina"], row["kubectl"]
        if km is None:
            out.append(f"| {row['label']} | {lm.wall:.3f} | | | {lm.cpu:.3f} | | | "
                       f"{lm.rss_mb:.0f} / | {row['runs']}/0 | {row['note']} |")
            continue
        out.append(f"| {row['label']} | {lm.wall:.3f} | {km.wall:.3f} | {km.wall / lm.wall:.1f}x "
                   f"| {lm.cpu:.3f} | {km.cpu:.3f} | {km.cpu / lm.cpu:.1f}x | "
                   f"{lm.rss_mb:.0f} / {km.rss_mb:.0f} | {row['runs']}/{row['kruns']} | "
                   f"{row['note']} |")
    return "\n".join(out) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", default="a,b,d,e,f,v,h",
                    help="sections to run (b includes c)")
    ap.add_argument("--work", default=None, help="scratch folder (default: a temp dir)")
    ap.add_argument("--markdown", default=None,
                    help="also write the results table to this file (for docs/performance.md)")
    ap.add_argument("--kubectl-runs", type=int, default=5,
                    help="kubectl runs on the 200x10 tree (about 2.5 minutes each; default 5)")
    ap.add_argument("--lamina", default=None,
                    help="the lamina command to time (default: lamina next to this python)")
    a = ap.parse_args()
    if a.lamina:
        LAMINA[:] = shlex.split(a.lamina)
    oracle = find_oracle()
    if oracle.path is None:
        sys.exit(f"error: {oracle.problem()}")
    KUBECTL[:] = [oracle.path, "kustomize"]
    only = set(a.only.split(","))
    work = a.work or tempfile.mkdtemp(prefix="lamina-bench-")
    os.makedirs(work, exist_ok=True)
    header = machine()
    print(header, flush=True)
    print(f"lamina: {LAMINA[0]}  kubectl: {KUBECTL[0]}  work: {work}", flush=True)
    q = a.quick
    if "e" in only:
        bench_startup(work, 10 if q else 20)
    if "a" in only:
        bench_overlay(work, 50 if q else 200, 3 if q else 5, 3 if q else 5)
    if "b" in only:
        bench_render(work, 50 if q else 200, 3 if q else 10, 3 if q else 5,
                     1 if q else a.kubectl_runs)
    if "d" in only:
        bench_flat(work, [1000, 3000] if q else [1000, 3000, 6000], {1000, 3000}, 3 if q else 5)
    if "f" in only:
        bench_crds(work, 2 if q else 10, 3 if q else 5)
    if "v" in only:
        bench_validation(work, 1000)
    if a.markdown:
        with open(a.markdown, "w", encoding="utf-8") as fh:
            fh.write(markdown(header))
    if "h" in only:
        bench_profile(work, 50 if q else 200)


if __name__ == "__main__":
    main()
