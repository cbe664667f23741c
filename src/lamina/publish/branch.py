"""The rendered-branch writer: one commit per source commit, nothing when nothing changed,
compare-and-swap ref updates so concurrent publishers never lose a commit."""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field

from lamina.errors import LaminaError
from lamina.kustomize.dialect import ValuesOptions
from lamina.project.layout import SourceInfo
from lamina.publish.git import Git, GitError

LEDGER = ".lamina-ledger.json"


class PublishError(LaminaError):
    """Publishing could not complete; the branch was left as it was."""


@dataclass(frozen=True)
class PublishOptions:
    project_dir: str = "."
    branch: str | None = None             # default: lamina.yaml's publish.branch
    push: str | None = None               # remote name
    branch_per_env: str | None = None     # e.g. "env/{env}"
    values: ValuesOptions = ValuesOptions()
    max_attempts: int = 60


@dataclass
class BranchResult:
    branch: str
    commit: str | None                    # None: nothing changed
    parent: str | None
    attempts: int = 1
    pushed: bool = False


@dataclass
class PublishOutcome:
    source: str
    results: list[BranchResult] = field(default_factory=list)


def _ledger(git: Git, commit: str | None) -> set[str]:
    if commit is None:
        return set()
    text = git.read_blob(commit, LEDGER)
    if not text:
        return set()
    try:
        return set(json.loads(text).get("files", []))
    except ValueError:
        return set()


def _message(source: SourceInfo, summary: str) -> str:
    short = source.sha[:7] if source.sha else "working tree"
    subject = f"Render {short}: {source.subject}" if source.subject else f"Render {short}"
    trailers = [f"Lamina-Source-Sha: {source.sha}"]
    if source.repo_url:
        trailers.insert(0, f"Lamina-Source-Repo: {source.repo_url}")
    if source.author:
        trailers.append(f"Lamina-Source-Author: {source.author}")
    if source.subject:
        trailers.append(f"Lamina-Source-Subject: {source.subject}")
    return f"{subject}\n\n{summary}\n\n" + "\n".join(trailers) + "\n"


def make_commit(git: Git, parent: str | None, files: dict[str, str], message: str,
                author: tuple[str, str], date: str | None) -> str | None:
    """A commit on `parent` whose tree holds `files` (and drops files lamina wrote before and
    no longer produces), or None when the tree would not change."""
    owned = _ledger(git, parent)
    stale = sorted(owned - set(files))
    contents = dict(files)
    contents[LEDGER] = json.dumps({"files": sorted(files)}, indent=1, sort_keys=True) + "\n"
    blobs = git.write_blobs(contents)
    parent_tree = git.tree_of(parent) if parent else None
    tree = git.build_tree(parent_tree, stale, blobs)
    if parent_tree == tree:
        return None
    return git.commit_tree(tree, [parent] if parent else [], message, author[0], author[1], date)


def _backoff(attempt: int) -> None:
    time.sleep(min(0.5, 0.01 * (2 ** min(attempt, 6))) * random.uniform(0.5, 1.5))


def land(git: Git, branch: str, build, push: str | None, max_attempts: int) -> BranchResult:
    """Build a commit on the current tip with `build(parent)` and move the branch to it by
    compare-and-swap, retrying on the new tip when another publisher won the race."""
    ref = f"refs/heads/{branch}"
    for attempt in range(1, max_attempts + 1):
        if push:
            remote_tip = _fetch(git, push, branch)
            parent = remote_tip if remote_tip is not None else git.resolve(ref)
        else:
            parent = git.resolve(ref)
        commit = build(parent)
        if commit is None:
            return BranchResult(branch, None, parent, attempt)
        local = git.resolve(ref)
        if not git.compare_and_swap(ref, commit, local if push else parent):
            _backoff(attempt)
            continue
        if not push:
            return BranchResult(branch, commit, parent, attempt)
        proc = git.run("push", "--porcelain", push, f"{commit}:{ref}", check=False)
        if proc.returncode == 0:
            return BranchResult(branch, commit, parent, attempt, pushed=True)
        if _fetch(git, push, branch) == parent:
            # The remote did not move under us, so this is not a race: report git's words.
            raise PublishError(f"git push to {push} failed: {proc.stderr.strip()}")
        _backoff(attempt)
    raise PublishError(f"gave up publishing to {branch} after {max_attempts} attempts: "
                       "other publishers kept moving the branch")


def _fetch(git: Git, remote: str, branch: str) -> str | None:
    tracking = f"refs/lamina/remotes/{remote}/{branch}"
    proc = git.run("fetch", "--quiet", "--no-tags", remote, f"+refs/heads/{branch}:{tracking}",
                   check=False)
    if proc.returncode != 0:
        probe = git.run("ls-remote", "--exit-code", remote, f"refs/heads/{branch}", check=False)
        if probe.returncode == 2:
            return None   # the branch does not exist on the remote yet
        raise PublishError(f"cannot fetch {branch} from {remote}: {proc.stderr.strip()}")
    return git.resolve(tracking)


def publish(options: PublishOptions, checks=None) -> PublishOutcome:
    """Render every environment, optionally check it, and commit it to the rendered branch."""
    from lamina.project.config import load_project
    from lamina.project.render import source_info
    from lamina.project.service import render_command
    project = load_project(options.project_dir)
    git = Git(project.root)
    head = git.head()
    branch = options.branch or project.publish.branch
    pattern = options.branch_per_env or project.publish.branch_per_env
    envs = [e.name for e in project.environments]
    branches = {pattern.format(env=e): e for e in envs} if pattern else {branch: None}
    for name in branches:
        git.check_branch_name(name)
    rendered = render_command(project_dir=project.root, render_all=True, write=False,
                              values=options.values)
    if checks is not None:
        checks(project, rendered)
    source = source_info(project.root)
    author = (project.publish.author_name, project.publish.author_email)
    outcome = PublishOutcome(source=head)
    for name, env in branches.items():
        if env is None:
            files = rendered.files
        else:
            prefix = env + "/"
            files = {k[len(prefix):]: v for k, v in rendered.files.items() if k.startswith(prefix)}
        summary = (f"{len(rendered.rendered)} environments, {rendered.resource_count} resources"
                   if env is None else f"environment {env}")
        message = _message(source, summary)

        def build(parent, files=files, message=message):
            return make_commit(git, parent, files, message, author, source.date or None)
        try:
            outcome.results.append(land(git, name, build, options.push, options.max_attempts))
        except GitError as exc:
            raise PublishError(exc.message) from None
    return outcome


def rollback(project_dir: str, env: str, to_rev: str, branch: str | None = None,
             branch_per_env: str | None = None, push: str | None = None) -> BranchResult:
    """A new commit restoring one environment's files from an earlier rendered commit."""
    from lamina.project.config import load_project
    project = load_project(project_dir)
    project.environment(env)
    git = Git(project.root)
    pattern = branch_per_env or project.publish.branch_per_env
    name = pattern.format(env=env) if pattern else (branch or project.publish.branch)
    git.check_branch_name(name)
    rev = git.resolve(to_rev)
    if rev is None:
        raise PublishError(f"unknown revision '{to_rev}'")
    prefix = "" if pattern else env + "/"

    def build(parent: str | None) -> str | None:
        if parent is None:
            raise PublishError(f"branch {name} does not exist yet: nothing to roll back")
        old = {p: sha for _m, sha, p in git.ls_tree(rev) if p.startswith(prefix) and p != LEDGER}
        if not old:
            raise PublishError(f"{to_rev} has no files for environment '{env}'")
        current = [p for _m, _s, p in git.ls_tree(parent) if p.startswith(prefix) and p != LEDGER]
        owned = (_ledger(git, parent) - set(current)) | set(old)
        blobs = git.write_blobs({LEDGER: json.dumps({"files": sorted(owned)}, indent=1,
                                                    sort_keys=True) + "\n"})
        tree = git.build_tree(git.tree_of(parent), [p for p in current if p not in old],
                              {**old, **blobs})
        if tree == git.tree_of(parent):
            return None
        message = (f"Roll back {env} to {rev[:7]}\n\nRestores the files of environment {env} "
                   f"from rendered commit {rev}.\n\nLamina-Rollback-Of: {rev}\n"
                   f"Lamina-Environment: {env}\n")
        return git.commit_tree(tree, [parent], message, project.publish.author_name,
                               project.publish.author_email, None)
    try:
        return land(git, name, build, push, 60)
    except GitError as exc:
        raise PublishError(exc.message) from None
