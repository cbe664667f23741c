"""`lamina.yaml`: the project's environments, output layout and publishing settings.

The file is optional. Without it, every directory under `overlays/` that holds a
kustomization is an environment, rendered into `rendered/<env>/`.
"""

from __future__ import annotations

import os
import re

import yaml

from lamina.errors import SourceRef
from lamina.kustomize.loader import KUSTOMIZATION_FILE_NAMES
from lamina.project.settings import (PROJECT_API_VERSION, PROJECT_FILE, Cluster, Environment,
                                     GitOpsSettings, Project, ProjectError, PublishSettings)
from lamina.project.yaml_fields import (compose, construct, line_of, mapping_fields,
                                        scalar_field, str_list_field)

__all__ = [
    "PROJECT_API_VERSION", "PROJECT_FILE", "Cluster", "Environment", "GitOpsSettings",
    "Project", "ProjectError", "PublishSettings", "discover_environments", "load_project",
]

_ENV_NAME = re.compile(r"^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$")
_K8S_VERSION = re.compile(r"^v?1\.(\d+)(\.\d+)?$")


def _kube_version(node: yaml.Node, path: str) -> str:
    value = scalar_field(node, path, "kubernetesVersion")
    match = _K8S_VERSION.match(value)
    if not match:
        raise ProjectError(f"kubernetesVersion '{value}' is not a Kubernetes version like 1.31",
                           SourceRef(path, line_of(node)))
    return f"1.{int(match.group(1))}"


def _environment(node: yaml.Node, path: str, root: str) -> Environment:
    fields = mapping_fields(node, path, "an environment",
                      {"name", "overlay", "clusters", "values", "kubernetesVersion",
                       "allowPlaintextSecrets", "hosts", "markers", "policies"})
    if "name" not in fields:
        raise ProjectError("an environment needs a name", SourceRef(path, line_of(node)))
    name = _name(fields["name"], path, "environment name")
    overlay = scalar_field(fields["overlay"], path, "overlay") if "overlay" in fields else f"overlays/{name}"
    clusters: list[Cluster] = []
    if "clusters" in fields:
        cnode = fields["clusters"]
        if not isinstance(cnode, yaml.SequenceNode):
            raise ProjectError("clusters must be a list", SourceRef(path, line_of(cnode)))
        for item in cnode.value:
            if isinstance(item, yaml.ScalarNode):
                clusters.append(Cluster(_name(item, path, "cluster name")))
                continue
            cf = mapping_fields(item, path, "a cluster", {"name", "values"})
            if "name" not in cf:
                raise ProjectError("a cluster needs a name", SourceRef(path, line_of(item)))
            clusters.append(Cluster(_name(cf["name"], path, "cluster name"),
                                    _values_files(cf["values"], path, root)
                                    if "values" in cf else ()))
        names = [c.name for c in clusters]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ProjectError(f"cluster '{dup[0]}' is listed twice in environment '{name}'",
                               SourceRef(path, line_of(cnode)))
    env = Environment(
        name=name, overlay=overlay, clusters=tuple(clusters),
        values=_values_files(fields["values"], path, root) if "values" in fields else (),
        kubernetes_version=_kube_version(fields["kubernetesVersion"], path)
        if "kubernetesVersion" in fields else None,
        allow_plaintext_secrets=scalar_field(fields["allowPlaintextSecrets"], path,
                                        "allowPlaintextSecrets", bool)
        if "allowPlaintextSecrets" in fields else False,
        hosts=str_list_field(fields["hosts"], path, "hosts") if "hosts" in fields else (),
        markers=_markers(fields["markers"], path) if "markers" in fields else (),
        **_env_policies(fields.get("policies"), path, root))
    where = SourceRef(path, line_of(fields.get("overlay", node)))
    _check_inside(root, overlay, where, "overlay")
    if not _has_kustomization(os.path.join(root, overlay)):
        raise ProjectError(f"environment '{name}': overlay '{overlay}' has no kustomization file: "
                           "fix the overlay path or add a kustomization.yaml there",
                           where)
    return env


def _markers(node: yaml.Node, path: str) -> tuple[str, ...]:
    markers = str_list_field(node, path, "markers")
    for marker in markers:
        if not re.search(r"[A-Za-z0-9]", marker):
            raise ProjectError(f"marker '{marker}' has no letter or digit; a marker is a "
                               "name such as 'qa' or 'eu-prod'", SourceRef(path, line_of(node)))
    return markers


def _env_policies(node: yaml.Node | None, path: str, root: str) -> dict[str, tuple[str, ...]]:
    """An environment's `policies: {add: [paths], skip: [names]}`."""
    if node is None:
        return {}
    pf = mapping_fields(node, path, "an environment's policies", {"add", "skip"})
    add = str_list_field(pf["add"], path, "policies.add") if "add" in pf else ()
    for rel in add:
        _check_inside(root, rel, SourceRef(path, line_of(pf["add"])), "policies.add")
    return {"policies_add": add,
            "policies_skip": str_list_field(pf["skip"], path, "policies.skip") if "skip" in pf else ()}


def _name(node: yaml.Node, path: str, what: str) -> str:
    """An environment or cluster name: it becomes a folder of the output (rendered/<env>/
    <cluster>/) and a branch name, so it is one plain path component (fsguard still checks
    every path the writer touches)."""
    name = scalar_field(node, path, what)
    if not _ENV_NAME.match(name):
        raise ProjectError(
            f"{what} {name!r} must be 1 to 63 lower-case letters, digits, '.', '_' or '-', "
            "starting and ending with a letter or digit (it names a folder of the output)",
            SourceRef(path, line_of(node)))
    return name


def _values_files(node: yaml.Node, path: str, root: str) -> tuple[str, ...]:
    """A `values:` list: each file must be inside the project (a pull request writes
    lamina.yaml, and what a values file holds can end up in the rendered output)."""
    files = str_list_field(node, path, "values")
    items = node.value if isinstance(node, yaml.SequenceNode) else [node]
    for rel, item in zip(files, items):
        _check_inside(root, rel, SourceRef(path, line_of(item)), "values file")
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
    node = compose(text, display)
    if node is None:
        return Project(root=root, environments=discover_environments(root), source=path)
    top = mapping_fields(node, display, PROJECT_FILE,
                   {"apiVersion", "kind", "environments", "output", "publish", "checks", "external",
                    "policies", "gitops"})
    if "apiVersion" in top and scalar_field(top["apiVersion"], display, "apiVersion") != PROJECT_API_VERSION:
        raise ProjectError(f"apiVersion must be {PROJECT_API_VERSION}",
                           SourceRef(display, line_of(top["apiVersion"])))
    if "kind" in top and scalar_field(top["kind"], display, "kind") != "Project":
        raise ProjectError("kind must be Project", SourceRef(display, line_of(top["kind"])))
    envs: list[Environment] = []
    if "environments" in top:
        enode = top["environments"]
        if not isinstance(enode, yaml.SequenceNode):
            raise ProjectError("environments must be a list", SourceRef(display, line_of(enode)))
        seen: dict[str, int] = {}
        for item in enode.value:
            env = _environment(item, display, root)
            if env.name in seen:
                raise ProjectError(
                    f"environment '{env.name}' is declared twice (first at line {seen[env.name]})",
                    SourceRef(display, line_of(item)))
            seen[env.name] = line_of(item)
            envs.append(env)
    else:
        envs = list(discover_environments(root))
    output_dir = "rendered"
    output_committed = False
    if "output" in top:
        of = mapping_fields(top["output"], display, "output", {"dir", "committed"})
        if "committed" in of:
            output_committed = scalar_field(of["committed"], display, "output.committed", bool)
        if "dir" in of:
            output_dir = scalar_field(of["dir"], display, "output.dir")
            _check_inside(root, output_dir, SourceRef(display, line_of(of["dir"])), "output.dir")
            if os.path.realpath(os.path.join(root, output_dir)) == root:
                raise ProjectError("output.dir cannot be the project root itself",
                                   SourceRef(display, line_of(of["dir"])))
    publish = PublishSettings()
    if "publish" in top:
        pf = mapping_fields(top["publish"], display, "publish",
                      {"branch", "branchPerEnv", "remote", "authorName", "authorEmail",
                       "argocdApps", "repoURL"})
        argocd_apps = construct(pf["argocdApps"]) if "argocdApps" in pf else False
        if not isinstance(argocd_apps, bool):
            raise ProjectError("publish.argocdApps must be true or false",
                               SourceRef(display, line_of(pf["argocdApps"])))
        publish = PublishSettings(
            branch=scalar_field(pf["branch"], display, "publish.branch") if "branch" in pf else "rendered",
            branch_per_env=scalar_field(pf["branchPerEnv"], display, "publish.branchPerEnv")
            if "branchPerEnv" in pf else None,
            remote=scalar_field(pf["remote"], display, "publish.remote") if "remote" in pf else None,
            author_name=scalar_field(pf["authorName"], display, "publish.authorName")
            if "authorName" in pf else "lamina",
            author_email=scalar_field(pf["authorEmail"], display, "publish.authorEmail")
            if "authorEmail" in pf else "lamina@localhost",
            argocd_apps=argocd_apps,
            repo_url=scalar_field(pf["repoURL"], display, "publish.repoURL") if "repoURL" in pf else None)
    checks = construct(top["checks"]) if "checks" in top else {}
    if checks is not None and not isinstance(checks, dict):
        raise ProjectError("checks must be a mapping", SourceRef(display, line_of(top["checks"])))
    external = construct(top["external"]) if "external" in top else []
    if not isinstance(external, list):
        raise ProjectError("external must be a list", SourceRef(display, line_of(top["external"])))
    policies = str_list_field(top["policies"], display, "policies") if "policies" in top else ()
    for rel in policies:
        _check_inside(root, rel, SourceRef(display, line_of(top["policies"])), "policies")
    gitops = _gitops(top["gitops"], display) if "gitops" in top else GitOpsSettings()
    return Project(root=root, environments=tuple(envs), output_dir=output_dir, publish=publish,
                   checks=checks or {}, external=tuple(external), source=path, policies=policies, gitops=gitops,
                   output_committed=output_committed)


def _gitops(node: yaml.Node, path: str) -> GitOpsSettings:
    fields = mapping_fields(node, path, "gitops", {"repoURL", "argocd", "flux"})
    argocd = None
    if "argocd" in fields:
        argocd = scalar_field(fields["argocd"], path, "gitops.argocd")
        if argocd not in ("applications", "applicationset"):
            raise ProjectError(f"gitops.argocd must be applications or applicationset, not "
                               f"'{argocd}'", SourceRef(path, line_of(fields["argocd"])))
    return GitOpsSettings(
        repo_url=scalar_field(fields["repoURL"], path, "gitops.repoURL") if "repoURL" in fields else None,
        argocd=argocd,
        flux=scalar_field(fields["flux"], path, "gitops.flux", bool) if "flux" in fields else False)
