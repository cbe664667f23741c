"""`lamina.yaml`: the project's environments, output layout and publishing settings.

The file is optional. Without it, every directory under `overlays/` that holds a
kustomization is an environment, rendered into `rendered/<env>/`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from lamina.errors import LaminaError, SourceRef
from lamina.kustomize.loader import KUSTOMIZATION_FILE_NAMES

PROJECT_FILE = "lamina.yaml"
PROJECT_API_VERSION = "lamina.dev/v1alpha1"
_ENV_NAME = re.compile(r"^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$")
_K8S_VERSION = re.compile(r"^v?1\.(\d+)(\.\d+)?$")


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


# ---- reading with positions -----------------------------------------------------------

class _Doc:
    """A parsed mapping that remembers the line of each key, for messages."""

    def __init__(self, node: yaml.Node, path: str):
        self.node, self.path = node, path

    def line(self) -> int:
        return self.node.start_mark.line + 1

    def where(self) -> SourceRef:
        return SourceRef(self.path, self.line())


def _compose(text: str, path: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise ProjectError(f"invalid YAML: {exc.problem}",
                           SourceRef(path, mark.line + 1 if mark else None)) from None


def _construct(node: yaml.Node) -> Any:
    loader = yaml.CSafeLoader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _mapping(node: yaml.Node, path: str, what: str, allowed: set[str]) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        raise ProjectError(f"{what} must be a mapping", SourceRef(path, node.start_mark.line + 1))
    out: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        key = key_node.value
        where = SourceRef(path, key_node.start_mark.line + 1)
        if key not in allowed:
            import difflib
            close = difflib.get_close_matches(str(key), sorted(allowed), 1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise ProjectError(
                f"unknown key '{key}' in {what}; {hint}allowed: {', '.join(sorted(allowed))}", where)
        if key in out:
            raise ProjectError(f"'{key}' is set twice in {what}", where)
        out[key] = value_node
    return out


def _scalar(node: yaml.Node, path: str, what: str, kind: type = str) -> Any:
    value = _construct(node)
    if kind is str and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ProjectError(f"{what} must be a {kind.__name__}, got {value!r}",
                           SourceRef(path, node.start_mark.line + 1))
    return value


def _str_list(node: yaml.Node, path: str, what: str) -> tuple[str, ...]:
    value = _construct(node)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ProjectError(f"{what} must be a list of strings",
                           SourceRef(path, node.start_mark.line + 1))
    return tuple(value)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _kube_version(node: yaml.Node, path: str) -> str:
    value = _scalar(node, path, "kubernetesVersion")
    match = _K8S_VERSION.match(value)
    if not match:
        raise ProjectError(f"kubernetesVersion '{value}' is not a Kubernetes version like 1.31",
                           SourceRef(path, _line(node)))
    return f"1.{int(match.group(1))}"


def _environment(node: yaml.Node, path: str, root: str) -> Environment:
    fields = _mapping(node, path, "an environment",
                      {"name", "overlay", "clusters", "values", "kubernetesVersion",
                       "allowPlaintextSecrets", "hosts", "markers", "policies"})
    if "name" not in fields:
        raise ProjectError("an environment needs a name", SourceRef(path, _line(node)))
    name = _name(fields["name"], path, "environment name")
    overlay = _scalar(fields["overlay"], path, "overlay") if "overlay" in fields else f"overlays/{name}"
    clusters: list[Cluster] = []
    if "clusters" in fields:
        cnode = fields["clusters"]
        if not isinstance(cnode, yaml.SequenceNode):
            raise ProjectError("clusters must be a list", SourceRef(path, _line(cnode)))
        for item in cnode.value:
            if isinstance(item, yaml.ScalarNode):
                clusters.append(Cluster(_name(item, path, "cluster name")))
                continue
            cf = _mapping(item, path, "a cluster", {"name", "values"})
            if "name" not in cf:
                raise ProjectError("a cluster needs a name", SourceRef(path, _line(item)))
            clusters.append(Cluster(_name(cf["name"], path, "cluster name"),
                                    _values_files(cf["values"], path, root)
                                    if "values" in cf else ()))
        names = [c.name for c in clusters]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ProjectError(f"cluster '{dup[0]}' is listed twice in environment '{name}'",
                               SourceRef(path, _line(cnode)))
    env = Environment(
        name=name, overlay=overlay, clusters=tuple(clusters),
        values=_values_files(fields["values"], path, root) if "values" in fields else (),
        kubernetes_version=_kube_version(fields["kubernetesVersion"], path)
        if "kubernetesVersion" in fields else None,
        allow_plaintext_secrets=_scalar(fields["allowPlaintextSecrets"], path,
                                        "allowPlaintextSecrets", bool)
        if "allowPlaintextSecrets" in fields else False,
        hosts=_str_list(fields["hosts"], path, "hosts") if "hosts" in fields else (),
        markers=_markers(fields["markers"], path) if "markers" in fields else (),
        **_env_policies(fields.get("policies"), path, root))
    where = SourceRef(path, _line(fields.get("overlay", node)))
    _check_inside(root, overlay, where, "overlay")
    if not _has_kustomization(os.path.join(root, overlay)):
        raise ProjectError(f"environment '{name}': overlay '{overlay}' has no kustomization file: "
                           "fix the overlay path or add a kustomization.yaml there",
                           where)
    return env


def _markers(node: yaml.Node, path: str) -> tuple[str, ...]:
    markers = _str_list(node, path, "markers")
    for marker in markers:
        if not re.search(r"[A-Za-z0-9]", marker):
            raise ProjectError(f"marker '{marker}' has no letter or digit; a marker is a "
                               "name such as 'qa' or 'eu-prod'", SourceRef(path, _line(node)))
    return markers


def _env_policies(node: yaml.Node | None, path: str, root: str) -> dict[str, tuple[str, ...]]:
    """An environment's `policies: {add: [paths], skip: [names]}`."""
    if node is None:
        return {}
    pf = _mapping(node, path, "an environment's policies", {"add", "skip"})
    add = _str_list(pf["add"], path, "policies.add") if "add" in pf else ()
    for rel in add:
        _check_inside(root, rel, SourceRef(path, _line(pf["add"])), "policies.add")
    return {"policies_add": add,
            "policies_skip": _str_list(pf["skip"], path, "policies.skip") if "skip" in pf else ()}


def _name(node: yaml.Node, path: str, what: str) -> str:
    """An environment or cluster name: it becomes a folder of the output (rendered/<env>/
    <cluster>/) and a branch name, so it is one plain path component (fsguard still checks
    every path the writer touches)."""
    name = _scalar(node, path, what)
    if not _ENV_NAME.match(name):
        raise ProjectError(
            f"{what} {name!r} must be 1 to 63 lower-case letters, digits, '.', '_' or '-', "
            "starting and ending with a letter or digit (it names a folder of the output)",
            SourceRef(path, _line(node)))
    return name


def _values_files(node: yaml.Node, path: str, root: str) -> tuple[str, ...]:
    """A `values:` list: each file must be inside the project (a pull request writes
    lamina.yaml, and what a values file holds can end up in the rendered output)."""
    files = _str_list(node, path, "values")
    items = node.value if isinstance(node, yaml.SequenceNode) else [node]
    for rel, item in zip(files, items):
        _check_inside(root, rel, SourceRef(path, _line(item)), "values file")
    return files


def _check_inside(root: str, rel: str, where: SourceRef, what: str) -> None:
    """`rel` must name something inside the project, lexically and once links are
    followed; a NUL or an absolute path is refused outright."""
    from lamina.fsguard import is_inside
    if not rel or "\0" in rel or os.path.isabs(rel):
        raise ProjectError(f"{what} {rel!r} must be a path relative to the project root", where)
    lexical = os.path.normpath(os.path.join(root, rel))
    full = os.path.realpath(lexical)
    if not (is_inside(lexical, root) and is_inside(full, root)):
        raise ProjectError(f"{what} '{rel}' is outside the project root {root}; lamina reads "
                           "only inside the repository", where)


def _has_kustomization(directory: str) -> bool:
    return any(os.path.isfile(os.path.join(directory, n)) for n in KUSTOMIZATION_FILE_NAMES)


def discover_environments(root: str) -> tuple[Environment, ...]:
    overlays = os.path.join(root, "overlays")
    if not os.path.isdir(overlays):
        return ()
    envs = []
    for n in sorted(os.listdir(overlays)):
        if not _has_kustomization(os.path.join(overlays, n)):
            continue
        # The tree is untrusted: overlays/<n> may be a link out of the repository.
        _check_inside(root, f"overlays/{n}", SourceRef(f"overlays/{n}"), "overlay")
        envs.append(Environment(name=n, overlay=f"overlays/{n}"))
    return tuple(envs)


def load_project(root: str) -> Project:
    """Read `lamina.yaml` under `root`, or discover environments under `overlays/`."""
    root = os.path.realpath(root)
    path = os.path.join(root, PROJECT_FILE)
    if not os.path.isfile(path):
        found = discover_environments(root)
        if not found:
            raise ProjectError(
                f"no environments: {root} has no {PROJECT_FILE} and no overlays/<env>/ "
                "directory with a kustomization")
        return Project(root=root, environments=found)
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    display = PROJECT_FILE
    node = _compose(text, display)
    if node is None:
        return Project(root=root, environments=discover_environments(root), source=path)
    top = _mapping(node, display, PROJECT_FILE,
                   {"apiVersion", "kind", "environments", "output", "publish", "checks", "external",
                    "policies", "gitops"})
    if "apiVersion" in top and _scalar(top["apiVersion"], display, "apiVersion") != PROJECT_API_VERSION:
        raise ProjectError(f"apiVersion must be {PROJECT_API_VERSION}",
                           SourceRef(display, _line(top["apiVersion"])))
    if "kind" in top and _scalar(top["kind"], display, "kind") != "Project":
        raise ProjectError("kind must be Project", SourceRef(display, _line(top["kind"])))
    envs: list[Environment] = []
    if "environments" in top:
        enode = top["environments"]
        if not isinstance(enode, yaml.SequenceNode):
            raise ProjectError("environments must be a list", SourceRef(display, _line(enode)))
        seen: dict[str, int] = {}
        for item in enode.value:
            env = _environment(item, display, root)
            if env.name in seen:
                raise ProjectError(
                    f"environment '{env.name}' is declared twice (first at line {seen[env.name]})",
                    SourceRef(display, _line(item)))
            seen[env.name] = _line(item)
            envs.append(env)
    else:
        envs = list(discover_environments(root))
    output_dir = "rendered"
    output_committed = False
    if "output" in top:
        of = _mapping(top["output"], display, "output", {"dir", "committed"})
        if "committed" in of:
            output_committed = _scalar(of["committed"], display, "output.committed", bool)
        if "dir" in of:
            output_dir = _scalar(of["dir"], display, "output.dir")
            _check_inside(root, output_dir, SourceRef(display, _line(of["dir"])), "output.dir")
            if os.path.realpath(os.path.join(root, output_dir)) == root:
                raise ProjectError("output.dir cannot be the project root itself",
                                   SourceRef(display, _line(of["dir"])))
    publish = PublishSettings()
    if "publish" in top:
        pf = _mapping(top["publish"], display, "publish",
                      {"branch", "branchPerEnv", "remote", "authorName", "authorEmail",
                       "argocdApps", "repoURL"})
        argocd_apps = _construct(pf["argocdApps"]) if "argocdApps" in pf else False
        if not isinstance(argocd_apps, bool):
            raise ProjectError("publish.argocdApps must be true or false",
                               SourceRef(display, _line(pf["argocdApps"])))
        publish = PublishSettings(
            branch=_scalar(pf["branch"], display, "publish.branch") if "branch" in pf else "rendered",
            branch_per_env=_scalar(pf["branchPerEnv"], display, "publish.branchPerEnv")
            if "branchPerEnv" in pf else None,
            remote=_scalar(pf["remote"], display, "publish.remote") if "remote" in pf else None,
            author_name=_scalar(pf["authorName"], display, "publish.authorName")
            if "authorName" in pf else "lamina",
            author_email=_scalar(pf["authorEmail"], display, "publish.authorEmail")
            if "authorEmail" in pf else "lamina@localhost",
            argocd_apps=argocd_apps,
            repo_url=_scalar(pf["repoURL"], display, "publish.repoURL") if "repoURL" in pf else None)
    checks = _construct(top["checks"]) if "checks" in top else {}
    if checks is not None and not isinstance(checks, dict):
        raise ProjectError("checks must be a mapping", SourceRef(display, _line(top["checks"])))
    external = _construct(top["external"]) if "external" in top else []
    if not isinstance(external, list):
        raise ProjectError("external must be a list", SourceRef(display, _line(top["external"])))
    policies = _str_list(top["policies"], display, "policies") if "policies" in top else ()
    for rel in policies:
        _check_inside(root, rel, SourceRef(display, _line(top["policies"])), "policies")
    gitops = _gitops(top["gitops"], display) if "gitops" in top else GitOpsSettings()
    return Project(root=root, environments=tuple(envs), output_dir=output_dir, publish=publish,
                   checks=checks or {}, external=tuple(external), source=path, policies=policies, gitops=gitops,
                   output_committed=output_committed)


def _gitops(node: yaml.Node, path: str) -> GitOpsSettings:
    fields = _mapping(node, path, "gitops", {"repoURL", "argocd", "flux"})
    argocd = None
    if "argocd" in fields:
        argocd = _scalar(fields["argocd"], path, "gitops.argocd")
        if argocd not in ("applications", "applicationset"):
            raise ProjectError(f"gitops.argocd must be applications or applicationset, not "
                               f"'{argocd}'", SourceRef(path, _line(fields["argocd"])))
    return GitOpsSettings(
        repo_url=_scalar(fields["repoURL"], path, "gitops.repoURL") if "repoURL" in fields else None,
        argocd=argocd,
        flux=_scalar(fields["flux"], path, "gitops.flux", bool) if "flux" in fields else False)
