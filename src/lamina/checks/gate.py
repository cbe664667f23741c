"""Checks as a gate for render and publish, and the contexts built from rendered targets."""

from __future__ import annotations

import os
from typing import Any, Iterable

from lamina.checks.base import Context, Obj
from lamina.checks.cross_environment import owners
from lamina.checks.runner import CheckResult
from lamina.errors import LaminaError
from lamina.policies.loader import for_environment


class ChecksFailed(LaminaError):
    """Rendered output failed the checks; nothing was written or published."""

    def __init__(self, message: str, result: CheckResult):
        super().__init__(message)
        self.result = result


def load_crd_dir(directory: str | None) -> tuple[dict[str, Any], ...]:
    if not directory:
        return ()
    from lamina.yaml import load_all
    crds = []
    for root, _dirs, files in sorted(os.walk(directory)):
        for name in sorted(files):
            if name.endswith((".yaml", ".yml", ".json")):
                path = os.path.join(root, name)
                with open(path, encoding="utf-8") as fh:
                    for doc in load_all(fh.read(), path):
                        if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                            crds.append(doc)
    return tuple(crds)


# `project` is a project.config.Project and each target a rendered one (project/ is the layer
# above: typed as Any here, read by attribute).
def contexts(project: Any, targets: Iterable[Any], crds: tuple[dict[str, Any], ...] = ()
             ) -> list[Context]:
    """One Context per rendered target, with the other environments' namespaces and hosts."""
    objs = {t.path: tuple(Obj(o, src, rendered) for o, src, rendered in t.objects) for t in targets}
    env_of = {t.path: t.environment for t in targets}
    declared = {env.name: tuple(env.hosts) for env in project.environments}
    observed: dict[str, list[Obj]] = {name: [] for name in declared}
    for path, objects in objs.items():
        observed.setdefault(env_of[path], []).extend(objects)
    markers = owners(declared, observed)
    out = []
    for t in targets:
        env = project.environment(t.environment)
        others = {name: m for name, m in markers.items() if name != env.name}
        out.append(Context(environment=t.path, objects=objs[t.path],
                           kubernetes_version=env.kubernetes_version,
                           other_environments=others, own_hosts=tuple(env.hosts),
                           environment_markers=environment_markers(project),
                           external=tuple(project.external),
                           allow_plaintext_secrets=env.allow_plaintext_secrets, crds=crds,
                           policies=for_environment(project, env), policy_skip=env.policies_skip,
                           root=project.root,
                           unmatched_patches=tuple(getattr(t, "unmatched_patches", ()))))
    return out


def environment_markers(project: Any) -> dict[str, tuple[str, ...]]:
    """env -> the markers lamina.yaml declares for it (cross-environment)."""
    return {env.name: tuple(env.markers) for env in project.environments}
