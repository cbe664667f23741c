"""Objects that point a GitOps agent at the rendered branch: Argo CD Applications or one
ApplicationSet, and Flux's GitRepository plus one Kustomization per environment and cluster.

They are written beside the environments (rendered/_argocd/, rendered/_flux/) so that they
are published with them; the paths they name are paths on the rendered branch, whose root
is the output folder (or, with publish.branchPerEnv, one environment's folder).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from lamina.project.config import Project

ARGOCD_DIR = "_argocd"
FLUX_DIR = "_flux"
ARGOCD_FORMS = ("applications", "applicationset")
PLACEHOLDER_URL = "REPLACE-WITH-REPO-URL"
IN_CLUSTER = "in-cluster"         # Argo CD's name for the cluster it runs in
_DNS = re.compile(r"[^a-z0-9.-]+")


@dataclass(frozen=True)
class Target:
    """One rendering (an environment, or one cluster of it) as an agent finds it."""

    name: str                  # a Kubernetes object name: prod-eu
    environment: str
    cluster: str | None
    branch: str                # the rendered branch holding it
    path: str                  # its folder on that branch: prod/eu, or eu with branchPerEnv


def _object_name(text: str) -> str:
    return _DNS.sub("-", text.lower()).strip("-.") or "lamina"


def targets(project: Project) -> list[Target]:
    pattern = project.publish.branch_per_env
    out = []
    for env in project.environments:
        for path, cluster in env.targets():
            if pattern:
                branch = pattern.format(env=env.name)
                on_branch = path[len(env.name) + 1:] or "."
            else:
                branch, on_branch = project.publish.branch, path
            out.append(Target(_object_name(path.replace("/", "-")), env.name,
                              cluster.name if cluster else None, branch, on_branch))
    return out


def source_name(repo_url: str) -> str:
    """The GitRepository's name: the repository's name plus -rendered (shop-rendered)."""
    base = repo_url.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    if base.endswith(".git"):
        base = base[:-4]
    if not base or repo_url == PLACEHOLDER_URL:
        base = "lamina"
    return _object_name(base) + "-rendered"


def _dump(obj: dict[str, Any]) -> str:
    from lamina.yaml import dump
    return dump(obj)


def _listing(directory: str, names: list[str]) -> str:
    return ("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
            + "".join(f"- {n}\n" for n in sorted(names)))


def argocd_applications(project: Project, repo_url: str) -> dict[str, str]:
    """One Application per environment and cluster plus a kustomization listing them, for
    an app-of-apps Application pointing at _argocd/."""
    files = {}
    for t in targets(project):
        files[f"{ARGOCD_DIR}/{t.name}.yaml"] = (
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n"
            f"  name: {t.name}\n  namespace: argocd\nspec:\n  destination:\n"
            + (f"    name: {t.cluster}\n" if t.cluster else
               "    server: https://kubernetes.default.svc\n")
            + "  project: default\n"
            f"  source:\n    path: {t.path}\n    repoURL: {repo_url}\n"
            f"    targetRevision: {t.branch}\n  syncPolicy:\n    automated:\n"
            "      prune: true\n      selfHeal: true\n")
    files[f"{ARGOCD_DIR}/kustomization.yaml"] = _listing(
        ARGOCD_DIR, [os.path.basename(p) for p in files])
    return files


def argocd_applicationset(project: Project, repo_url: str) -> dict[str, str]:
    """One ApplicationSet whose list generator has an element per environment and cluster;
    a cluster is the Argo CD cluster of that name, an environment without clusters goes to
    the cluster Argo CD runs in."""
    elements = [{"name": t.name, "environment": t.environment,
                 "cluster": t.cluster or IN_CLUSTER, "branch": t.branch, "path": t.path}
                for t in targets(project)]
    appset = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": source_name(repo_url), "namespace": "argocd"},
        "spec": {
            "goTemplate": True,
            "goTemplateOptions": ["missingkey=error"],
            "generators": [{"list": {"elements": elements}}],
            "template": {
                "metadata": {"name": "{{.name}}",
                             "labels": {"lamina.dev/environment": "{{.environment}}"}},
                "spec": {
                    "project": "default",
                    "source": {"repoURL": repo_url, "targetRevision": "{{.branch}}",
                               "path": "{{.path}}"},
                    "destination": {"name": "{{.cluster}}"},
                    "syncPolicy": {"automated": {"prune": True, "selfHeal": True}},
                },
            },
        },
    }
    return {f"{ARGOCD_DIR}/applicationset.yaml": _dump(appset),
            f"{ARGOCD_DIR}/kustomization.yaml": _listing(ARGOCD_DIR, ["applicationset.yaml"])}


def flux_objects(project: Project, repo_url: str, namespace: str = "flux-system") -> dict[str, str]:
    """A GitRepository per rendered branch and a Kustomization per environment and cluster
    (kustomize.toolkit.fluxcd.io/v1), plus a kustomization listing them. On a cluster,
    apply the file of the targets that cluster runs (_flux/prod-eu.yaml) and the source."""
    all_targets = targets(project)
    branches = sorted({t.branch for t in all_targets}) or [project.publish.branch]
    base = source_name(repo_url)

    def source_for(branch: str) -> str:
        return base if len(branches) == 1 else _object_name(f"{base}-{branch}")

    files = {}
    for branch in branches:
        repo = {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
                "metadata": {"name": source_for(branch), "namespace": namespace},
                "spec": {"interval": "1m", "url": repo_url, "ref": {"branch": branch}}}
        files[f"{FLUX_DIR}/{source_for(branch)}.yaml"] = _dump(repo)
    for t in all_targets:
        labels = {"lamina.dev/environment": _object_name(t.environment)}
        if t.cluster:
            labels["lamina.dev/cluster"] = _object_name(t.cluster)
        kust = {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                "metadata": {"name": t.name, "namespace": namespace, "labels": labels},
                "spec": {"interval": "10m", "path": "./" + t.path if t.path != "." else "./",
                         "prune": True, "wait": True, "timeout": "5m",
                         "sourceRef": {"kind": "GitRepository", "name": source_for(t.branch)}}}
        files[f"{FLUX_DIR}/{t.name}.yaml"] = _dump(kust)
    files[f"{FLUX_DIR}/kustomization.yaml"] = _listing(FLUX_DIR, [os.path.basename(p) for p in files])
    return files


def gitops_files(project: Project, repo_url: str, argocd: str | None, flux: bool) -> dict[str, str]:
    files: dict[str, str] = {}
    if argocd == "applications":
        files.update(argocd_applications(project, repo_url))
    elif argocd == "applicationset":
        files.update(argocd_applicationset(project, repo_url))
    if flux:
        files.update(flux_objects(project, repo_url))
    return files
