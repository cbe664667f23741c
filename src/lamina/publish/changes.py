"""What a rendered-branch commit changes, per environment and resource: the
`Lamina-Environments` trailer, the commit body, and `lamina history`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from lamina.git import Git
from lamina.project.layout import METADATA_FILE

_NOT_RESOURCES = ("kustomization.yaml", "README.md", METADATA_FILE)


@dataclass
class EnvChanges:
    environment: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.environment}: {len(self.added)} added, {len(self.changed)} changed, "
                f"{len(self.removed)} removed")

    def lines(self) -> list[str]:
        out = [self.summary()]
        out += [f"  + {r}" for r in self.added]
        out += [f"  ~ {r}" for r in self.changed]
        out += [f"  - {r}" for r in self.removed]
        return out

    def as_json(self) -> dict[str, list[str]]:
        return {"added": self.added, "changed": self.changed, "removed": self.removed}


def empty_tree(git: Git) -> str:
    return git.out("mktree", input="")


def tree_changes(git: Git, old: str | None, new: str,
                 env_of: Callable[[str], tuple[str, str] | None]) -> dict[str, EnvChanges]:
    """Changes between two trees (or commits), grouped by `env_of(path)` -> (environment,
    path inside it), in environment order. An environment whose metadata or README alone
    changed is listed with no resources."""
    out = git.out("diff-tree", "-r", "-z", "--no-renames", "--name-status",
                  old or empty_tree(git), new)
    fields = out.split("\0")
    result: dict[str, EnvChanges] = {}
    for status, path in zip(fields[0::2], fields[1::2]):
        where = env_of(path)
        if where is None:
            continue
        env, inner = where
        changes = result.setdefault(env, EnvChanges(env))
        if inner.rsplit("/", 1)[-1] in _NOT_RESOURCES or not inner.endswith(".yaml"):
            continue
        name = inner[:-5]
        {"A": changes.added, "D": changes.removed}.get(status[:1], changes.changed).append(name)
    return {env: result[env] for env in sorted(result)}


def single_branch_env(path: str) -> tuple[str, str] | None:
    """On a branch holding every environment: the first folder, unless it is lamina's own
    (`.lamina-ledger.json`) or `_argocd/`."""
    env, sep, inner = path.partition("/")
    if not sep or env.startswith((".", "_")):
        return None
    return env, inner


def per_env_branch(environment: str) -> Callable[[str], tuple[str, str] | None]:
    def env_of(path: str) -> tuple[str, str] | None:
        return None if path.startswith(".") else (environment, path)
    return env_of
