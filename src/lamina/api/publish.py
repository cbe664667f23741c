"""`lamina publish`: render every environment and commit it to the rendered branch, recording
only the truth.

- The render must be the source commit's: any input that differs from it (modified,
  untracked, deleted beside the inputs) or `--set`/`--values` is refused, naming the files,
  unless `--allow-dirty`, which records `Lamina-Source-Dirty` and a digest of the difference.
- With `--push`, the source commit must be on the remote (`--allow-unpushed` to skip).
- History moves forward: a source that is older than, or unrelated to, the last published
  one is refused unless `--force`, which is recorded.
- Held environments (lamina rollback) are left exactly as they are, and said so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from lamina.api.render import RenderOptions, RenderResult, render_project
from lamina.errors import LaminaError
from lamina.git import Git, deepen
from lamina.kustomize.dialect import ValuesOptions
from lamina.publish import trailers as T
from lamina.publish.branch import Built, Landed, PublishError, compose_tree, land
from lamina.publish.changes import per_env_branch, single_branch_env, tree_changes
from lamina.publish.dirty import Dirt, dirty_inputs
from lamina.publish.holds import Hold, read_hold
from lamina.publish.identity import configured, ident, publisher
from lamina.project.config import Project, load_project
from lamina.project.outdir import output_path
from lamina.project.outlock import output_lock
from lamina.publish.record import default_remote
from lamina.publish.source import SourceCommit, base_trailers, source_commit, target_branches
from lamina.publish.target import LaminaHistory


@dataclass(frozen=True)
class PublishOptions:
    project_dir: str = "."
    branch: str | None = None             # default: lamina.yaml's publish.branch
    push: str | None = None               # remote name
    branch_per_env: str | None = None     # e.g. "env/{env}"
    values: ValuesOptions = ValuesOptions()
    allow_dirty: bool = False
    allow_unpushed: bool = False
    force: bool = False
    release: tuple[str, ...] = ()         # environments whose hold this publish lifts
    reason: str | None = None
    argocd_apps: bool | None = None       # None: lamina.yaml's publish.argocdApps
    repo_url: str | None = None
    lock_timeout: float = 600.0
    max_attempts: int = 60
    jobs: int = 0                         # parallel renders (0: one per core)


@dataclass(frozen=True)
class PublishResult:
    """The source commit, what landed on each rendered branch, and the inputs' dirt."""

    source: str
    results: tuple[Landed, ...]
    dirty: Dirt


# Landed (one branch's outcome) is part of the result, so it is exported with it.
__all__ = ["Landed", "PublishOptions", "PublishResult", "publish"]


def publish(options: PublishOptions,
            checks: Callable[[Project, RenderResult], None] | None = None,
            notify: Callable[[str], None] | None = None) -> PublishResult:
    project = load_project(options.project_dir)
    git = Git(project.root)
    head = git.head()
    remote = options.push or default_remote(git, project.publish.remote)
    for released in options.release:
        project.environment(released)
    if options.release and not (options.reason or "").strip():
        raise LaminaError("--release needs --reason: say why the hold is lifted (it is recorded)")
    branches = target_branches(git, project, options.branch, options.branch_per_env, remote,
                               head)
    argocd = project.publish.argocd_apps if options.argocd_apps is None else options.argocd_apps
    if argocd and len(branches) > 1:
        raise LaminaError("--argocd-apps needs a single rendered branch: with --branch-per-env, "
                          "point one Application at each environment's branch")
    with output_lock(output_path(project, None), options.lock_timeout, notify):
        deepen(git, remote, notify)
        if options.push and not options.allow_unpushed:
            _check_pushed(git, options.push, head)
        # The gitops objects (_argocd/, _flux/) come from the render, which alone decides
        # them (api/render.py: the flags, else lamina.yaml's gitops and publish keys).
        rendered, dirt = _render(project, git, options, checks, argocd,
                                 next(iter(branches)) if len(branches) == 1 else None)
        source = source_commit(git, head, project.root)
        who = publisher(git, configured(project.publish))
        results = []
        for name, env in branches.items():
            branch_files = _files(rendered, env)
            if not dirt.clean:
                branch_files = _mark_dirty(branch_files, dirt)
            step = _Step(git, name, env, [e.name for e in project.environments], branch_files,
                         source, dirt, who, options)
            results.append(land(git, name, step.build, options.push, options.max_attempts,
                                options.force, LaminaHistory(git), remote))
    return PublishResult(head, tuple(results), dirt)


def _render(project: Project, git: Git, options: PublishOptions,
            checks: Callable[[Project, RenderResult], None] | None, argocd_apps: bool,
            branch: str | None) -> tuple[RenderResult, Dirt]:
    import os
    rendered = render_project(project, RenderOptions(
        project_dir=project.root, render_all=True, write=False, values=options.values,
        jobs=options.jobs, argocd_apps=argocd_apps, repo_url=options.repo_url,
        rendered_branch=branch))
    if checks is not None:
        checks(project, rendered)
    inputs: set[str] = set()
    for target in rendered.targets:
        inputs.update(target.inputs)
    if project.source:
        inputs.add(os.path.relpath(project.source, project.root))
    dirt = dirty_inputs(git, project.root, inputs, options.values)
    if not dirt.clean and not options.allow_dirty:
        raise PublishError(
            f"refusing to publish: the render would not be source commit {git.head()[:12]}'s "
            f"but its own, because of {dirt.describe()}. Commit these changes (or drop --set "
            "and --values), or use --allow-dirty to publish it recorded as dirty")
    return rendered, dirt


def _files(rendered: RenderResult, env: str | None) -> dict[str, str]:
    """The files of one rendered branch: every target's and the gitops objects (env None),
    or one environment's, relative to its folder (a branch per environment)."""
    files: dict[str, str] = {}
    for target in rendered.targets:
        if env is None:
            folder = target.path + "/"
        elif target.environment == env:
            folder = target.path[len(env) + 1:] + "/" if target.path != env else ""
        else:
            continue
        files.update({folder + rel: text for rel, text in target.texts.items()})
    if env is None:
        files.update(rendered.gitops)
    return files


def _mark_dirty(files: dict[str, str], dirt: Dirt) -> dict[str, str]:
    from lamina.project.layout import METADATA_FILE, json_text
    from lamina.publish.holds import load
    out = dict(files)
    for path, text in files.items():
        if path.rsplit("/", 1)[-1] != METADATA_FILE:
            continue
        data = load(text) or {}
        data.setdefault("lamina", {})["dirty"] = {
            "digest": dirt.digest, "files": [f"{p} ({why})" for p, why in dirt.files],
            "flags": list(dirt.flags)}
        out[path] = json_text(data) + "\n"
    return out


def _check_pushed(git: Git, remote: str, head: str) -> None:
    if git.out("for-each-ref", "--count=1", "--contains", head, "--format=%(refname)",
               f"refs/remotes/{remote}/"):
        return
    listing = git.run("ls-remote", "--heads", remote, check=False)
    for line in str(listing.stdout).split("\n"):
        sha = line.split("\t", 1)[0]
        if sha and git.has_object(sha) and git.is_ancestor(head, sha):
            return
    raise PublishError(
        f"refusing to publish: source commit {head[:12]} is not on {remote}, so nobody else "
        f"could check out the drySha it would record; push it first, or use --allow-unpushed")


@dataclass
class _Step:
    """One branch's commit, built again on each new tip the branch moves to."""

    git: Git
    branch: str
    env: str | None                       # with a branch per environment
    environments: list[str]
    files: dict[str, str]
    source: SourceCommit
    dirt: Dirt
    who: tuple[str, str]
    options: PublishOptions

    def prefix(self, env: str) -> str:
        return "" if self.env is not None else env + "/"

    def build(self, parent: str | None) -> Built:
        git, head = self.git, self.source.sha
        forced = self._forward_only(parent)
        envs = [self.env] if self.env is not None else self.environments
        paths = [p for _m, _s, p in git.ls_tree(parent)] if parent else []
        holds: dict[str, Hold] = {}
        released: list[str] = []
        for env in envs:
            hold = read_hold(git, parent, env, self.prefix(env), paths)
            if hold is None:
                continue
            if env in self.options.release:
                released.append(env)
            else:
                holds[env] = hold
        notes = [h.line() for h in holds.values()]
        notes += [f"{env}: hold released: {self.options.reason}" for env in released]
        tree, parent_tree = compose_tree(git, parent, self.files,
                                         tuple(self.prefix(e) for e in holds))
        if tree == parent_tree:
            return Built(None, notes)
        env_of = per_env_branch(self.env) if self.env is not None else single_branch_env
        changes = tree_changes(git, parent_tree, tree, env_of)
        body = [line for c in changes.values() for line in c.lines()]
        if holds:
            body.append("Held, left as they are: " + "; ".join(h.line() for h in holds.values()))
        subject = f"Render {head[:7]}: {self.source.subject}" if self.source.subject else \
            f"Render {head[:7]}"
        if not self.dirt.clean:
            subject += " (dirty)"
        pairs = base_trailers(self.source)
        if not self.dirt.clean:
            pairs += [(T.SOURCE_DIRTY, "true"), (T.SOURCE_DIRTY_DIGEST, self.dirt.digest)]
        if forced:
            pairs.append((T.FORCED, forced))
        pairs.append((T.ENVIRONMENTS, ", ".join(changes) or T.NONE))
        if holds:
            pairs.append((T.HELD, ", ".join(holds)))
        for env in released:
            pairs.append((T.RELEASE, env))
        if self.options.reason:
            pairs.append((T.REASON, self.options.reason))
        pairs.append((T.PUBLISHED_BY, ident(self.who)))
        message = f"{subject}\n\n" + ("\n".join(body) + "\n\n" if body else "") + \
            T.format_trailers(pairs)
        commit = git.commit_tree(tree, [parent] if parent else [], message,
                                 (self.source.author_name, self.source.author_email,
                                  self.source.author_date), (self.who[0], self.who[1], None))
        return Built(commit, notes)

    def _forward_only(self, parent: str | None) -> str | None:
        """None when the source moves the branch forward; otherwise why not (refused unless
        --force, and then recorded)."""
        if parent is None:
            return None
        git, head = self.git, self.source.sha
        last = T.first(T.parse_trailers(git.out("log", "-1", "--format=%B", parent)),
                       T.SOURCE_SHA)
        if not last or last == head:
            return None
        if not git.has_object(last):
            why = (f"the last source published on {self.branch}, {last[:12]}, is not in this "
                   f"clone, so {head[:12]} cannot be shown to descend from it (fetch it)")
        elif git.is_ancestor(head, last):
            why = (f"source {head[:12]} is older than {last[:12]}, the last source published "
                   f"on {self.branch} (it is an ancestor of it)")
        elif not git.is_ancestor(last, head):
            why = (f"source {head[:12]} is unrelated to {last[:12]}, the last source published "
                   f"on {self.branch} (neither contains the other)")
        else:
            return None
        if not self.options.force:
            raise PublishError(f"refusing to publish: {why}. The rendered branch only moves "
                               "forward; publish a commit that contains the last one, roll back "
                               "with `lamina rollback`, or use --force (recorded in the commit)")
        return why
