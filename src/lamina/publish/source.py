"""The source commit a rendered-branch commit names, and the branches a project publishes
to (validated: never a source branch)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lamina.git import Git, canonical_url
from lamina.publish import trailers as T
from lamina.publish.target import branch_name, check_not_source


@dataclass(frozen=True)
class SourceCommit:
    sha: str
    author_name: str
    author_email: str
    author_date: str
    subject: str
    repo_url: str


def source_commit(git: Git, sha: str, root: str) -> SourceCommit:
    fields = git.out("log", "-1", "--format=%an%x1f%ae%x1f%aI%x1f%s", sha).split("\x1f")
    name, email, date, subject = (fields + ["", "", "", ""])[:4]
    url = git.config("remote.origin.url")
    return SourceCommit(sha, name, email, date, subject,
                        canonical_url(url, git.toplevel()) if url else "")


def base_trailers(source: SourceCommit) -> list[tuple[str, str]]:
    return [(T.SOURCE_REPO, source.repo_url), (T.SOURCE_SHA, source.sha),
            (T.SOURCE_AUTHOR, f"{source.author_name} <{source.author_email}>"),
            (T.SOURCE_SUBJECT, source.subject)]


def carried_trailers(git: Git, parent: str | None) -> list[tuple[str, str]]:
    """A rollback or release changes no source: it carries its parent's source trailers, so
    the tip always names the last source published."""
    if parent is None:
        return []
    found = T.parse_trailers(git.out("log", "-1", "--format=%B", parent))
    keys = (T.SOURCE_REPO, T.SOURCE_SHA, T.SOURCE_AUTHOR, T.SOURCE_SUBJECT, T.SOURCE_DIRTY,
            T.SOURCE_DIRTY_DIGEST)
    return [(k, found[k][0]) for k in keys if found.get(k)]


def target_branches(git: Git, project: Any, branch: str | None, per_env: str | None,
                    remote: str | None, head: str | None) -> dict[str, str | None]:
    """Branch name -> environment (None: one branch for all), every one checked."""
    pattern = per_env or project.publish.branch_per_env
    if pattern:
        names = {branch_name(git, pattern.format(env=e.name), "--branch-per-env"): e.name
                 for e in project.environments}
    else:
        what = "--branch" if branch else "publish.branch in lamina.yaml"
        names = {branch_name(git, branch or project.publish.branch, what): None}
    if head is not None:
        for name in names:
            check_not_source(git, name, remote, head)
    return names
