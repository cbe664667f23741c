"""The project's settings as lamina.yaml declares them (config.py reads the file): its
environments and their clusters, the output folder, and publishing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lamina.errors import LaminaError

PROJECT_FILE = "lamina.yaml"
PROJECT_API_VERSION = "lamina.dev/v1alpha1"


class ProjectError(LaminaError):
    """lamina.yaml is malformed or names something that does not exist."""


@dataclass(frozen=True)
class Cluster:
    name: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Environment:
    name: str
    overlay: str                          # relative to the project root
    clusters: tuple[Cluster, ...] = ()
    values: tuple[str, ...] = ()          # extra values files, relative to the project root
    kubernetes_version: str | None = None
    allow_plaintext_secrets: bool = False
    hosts: tuple[str, ...] = ()           # hosts that belong to this environment (checks)
    markers: tuple[str, ...] = ()         # name tokens that mark this environment's hosts
    policies_add: tuple[str, ...] = ()    # policy folders or files only this environment adds
    policies_skip: tuple[str, ...] = ()   # policy names this environment's clusters do not run

    def targets(self) -> list[tuple[str, Cluster | None]]:
        """(output subpath, cluster) for each rendering of this environment."""
        if not self.clusters:
            return [(self.name, None)]
        return [(f"{self.name}/{c.name}", c) for c in self.clusters]


@dataclass(frozen=True)
class PublishSettings:
    branch: str = "rendered"
    branch_per_env: str | None = None     # e.g. "env/{env}"
    remote: str | None = None
    author_name: str = "lamina"
    author_email: str = "lamina@localhost"
    argocd_apps: bool = False             # publish _argocd/ (one Application per environment)
    repo_url: str | None = None           # for _argocd/: the URL Argo CD reads the branch from


@dataclass(frozen=True)
class GitOpsSettings:
    """What `lamina render` writes for a GitOps agent besides the environments."""

    repo_url: str | None = None           # the repository the agent clones (default: origin)
    argocd: str | None = None             # "applications" or "applicationset"
    flux: bool = False                    # a GitRepository and Flux Kustomizations


@dataclass(frozen=True)
class Project:
    root: str
    environments: tuple[Environment, ...]
    output_dir: str = "rendered"
    # output.committed: the output folder is committed beside its sources, so its files
    # cannot name the source commit (not known until that commit is made).
    output_committed: bool = False
    publish: PublishSettings = PublishSettings()
    checks: dict[str, Any] = field(default_factory=dict)
    external: tuple[dict[str, Any], ...] = ()
    source: str | None = None             # path of lamina.yaml, when there is one
    policies: tuple[str, ...] = ()        # folders or files of admission policies (lamina.policies)
    gitops: GitOpsSettings = GitOpsSettings()

    def environment(self, name: str) -> Environment:
        for env in self.environments:
            if env.name == name:
                return env
        known = ", ".join(e.name for e in self.environments) or "none"
        raise ProjectError(f"unknown environment '{name}' (known: {known})")
