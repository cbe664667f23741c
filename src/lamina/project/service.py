"""`render`: the API behind `lamina render` (and the first half of `lamina publish`)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Callable

from lamina.kustomize.dialect import ValuesOptions
from lamina.project.config import Project, ProjectError, load_project
from lamina.project.layout import METADATA_FILE
from lamina.project.render import RenderOptions, render_project, selected, stale_targets
from lamina.project.writer import diff_tree, write_tree

ARGOCD_DIR = "_argocd"


@dataclass
class RenderOutcome:
    output: str
    rendered: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    differences: list[str] = field(default_factory=list)
    resource_count: int = 0
    target_count: int = 0
    files: dict[str, str] = field(default_factory=dict)
    targets: list = field(default_factory=list)
    check_result: object = None


def output_path(project: Project, output: str | None) -> str:
    out = os.path.realpath(output if output else os.path.join(project.root, project.output_dir))
    if not (out == project.root or out.startswith(project.root + os.sep)):
        raise ProjectError(f"output folder {out} is outside the project root {project.root}")
    if out == project.root:
        raise ProjectError("the output folder cannot be the project root itself")
    return out


def argocd_files(project: Project, repo_url: str, branch: str) -> dict[str, str]:
    """One Application per environment plus an app-of-apps pointing at them."""
    files = {}
    for env in project.environments:
        for path, _cluster in env.targets():
            name = path.replace("/", "-")
            files[f"{ARGOCD_DIR}/{name}.yaml"] = (
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n"
                f"  name: {name}\n  namespace: argocd\nspec:\n  destination:\n"
                "    server: https://kubernetes.default.svc\n  project: default\n"
                f"  source:\n    path: {path}\n    repoURL: {repo_url}\n"
                f"    targetRevision: {branch}\n  syncPolicy:\n    automated:\n"
                "      prune: true\n      selfHeal: true\n")
    files[f"{ARGOCD_DIR}/kustomization.yaml"] = (
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
        + "".join(f"- {os.path.basename(p)}\n" for p in sorted(files)
                  if not p.endswith("kustomization.yaml")))
    return files


def render_command(project_dir: str = ".", environments: tuple[str, ...] = (),
                   output: str | None = None, check: bool = False, render_all: bool = False,
                   argocd_apps: bool = False, repo_url: str | None = None, jobs: int = 0,
                   values: ValuesOptions = ValuesOptions(),
                   progress: Callable[[str], None] = lambda _m: None,
                   write: bool = True, run_checks: bool = True) -> RenderOutcome:
    project = load_project(project_dir)
    out = output_path(project, output)
    options = RenderOptions(environments=environments, values=values, jobs=jobs)
    envs = selected(project, environments)
    if check or render_all or not os.path.isdir(out):
        todo = {p for e in envs for p, _c in e.targets()}
        fresh: set[str] = set()
    else:
        todo, fresh = stale_targets(project, out, options)
    progress(f"rendering {len(todo)} environments...")
    results = render_project(project, options, only=todo)
    outcome = RenderOutcome(output=out)
    outcome.targets = results
    if run_checks and results:
        # Checks run before anything is written: a render that fails them leaves the
        # output folder (and the rendered branch) as it was.
        from lamina.checks.gate import gate
        outcome.check_result = gate(project, results)
    files: dict[str, str] = {}
    for r in results:
        outcome.rendered.append(r.path)
        outcome.resource_count += r.resource_count
        for rel, text in r.files.items():
            files[f"{r.path}/{rel}"] = text
    for path in sorted(fresh):
        outcome.unchanged.append(path)
        try:
            with open(os.path.join(out, path, METADATA_FILE), encoding="utf-8") as fh:
                outcome.resource_count += len(json.load(fh)["lamina"]["resources"])
        except (OSError, ValueError, KeyError):
            pass
    if argocd_apps:
        url = repo_url or (results[0].files and "") or ""
        if not url:
            from lamina.project.render import source_info
            url = source_info(project.root).repo_url or "REPLACE-WITH-REPO-URL"
        files.update(argocd_files(project, url, project.publish.branch))
    outcome.target_count = len(outcome.rendered) + len(outcome.unchanged)
    outcome.files = files
    scope = {p.split("/", 1)[0] for p in todo} | ({ARGOCD_DIR} if argocd_apps else set())
    if check:
        outcome.differences = diff_tree(out, files, scope)
        return outcome
    if write:
        result = write_tree(out, files, scope)
        outcome.written, outcome.removed = result.written, result.removed
    return outcome
