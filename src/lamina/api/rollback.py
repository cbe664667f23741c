"""`lamina rollback ENV --to REV` and `lamina release ENV`: a rollback is a hold.

A rollback restores one environment's files from an earlier rendered commit and holds it
there: later publishes leave it exactly as it is (and say so) until `lamina release` lifts
the hold, as Argo CD turns auto-sync off after a rollback. Both are new commits on the
rendered branch, never a rewrite, with who, when, from which commit to which, and why in
the trailers and in the environment's hydrator.metadata."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from lamina.errors import LaminaError
from lamina.git import Git
from lamina.publish import trailers as T
from lamina.publish.branch import LEDGER, Built, Landed, PublishError, compose_tree, land
from lamina.publish.changes import per_env_branch, single_branch_env, tree_changes
from lamina.publish.holds import Hold, load, metadata_paths, read_hold, with_hold
from lamina.publish.identity import configured, ident, publisher
from lamina.publish.record import Record, default_remote, fetch_branch, read_record
from lamina.publish.source import carried_trailers, target_branches
from lamina.publish.target import LaminaHistory


@dataclass(frozen=True)
class RollbackOptions:
    environment: str
    to: str                               # rendered commit, rendered~N, or a source commit
    reason: str | None = None
    project_dir: str = "."
    branch: str | None = None
    branch_per_env: str | None = None
    push: str | None = None
    max_attempts: int = 60


@dataclass(frozen=True)
class ReleaseOptions:
    environment: str
    reason: str
    project_dir: str = "."
    branch: str | None = None
    branch_per_env: str | None = None
    push: str | None = None
    max_attempts: int = 60


@dataclass(frozen=True)
class HoldResult:
    landed: Landed
    read_from: str                        # which copy of the branch was read, and why
    target: str | None = None             # rollback: the rendered commit restored
    source: str | None = None             # rollback: that commit's source for the environment


@dataclass(frozen=True)
class _Context:
    git: Git
    branch: str
    prefix: str
    record: Record
    remote: str | None
    who: tuple[str, str]
    env_of: Callable[[str], tuple[str, str] | None]


def _context(project_dir: str, env: str, branch: str | None, per_env: str | None,
             push: str | None, notify: Callable[[str], None] | None) -> _Context:
    from lamina.project.config import load_project
    project = load_project(project_dir)
    project.environment(env)
    git = Git(project.root)
    remote = push or default_remote(git, project.publish.remote)
    names = target_branches(git, project, branch, per_env, remote, git.resolve("HEAD"))
    name = next(n for n, e in names.items() if e in (None, env))
    if push:
        fetch_branch(git, push, name)
    record = read_record(git, name, remote)
    if record.sha is None:
        raise PublishError(f"nothing to change: {record.why}; publish first")
    if notify is not None:
        notify(record.why)
    per = names[name] is not None
    return _Context(git, name, "" if per else env + "/", record, remote,
                    publisher(git, configured(project.publish)),
                    per_env_branch(env) if per else single_branch_env)


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _resolve_target(ctx: _Context, rev: str) -> str:
    git, record = ctx.git, ctx.record
    assert record.sha is not None
    sha = git.resolve(record.rev(rev))
    if sha is not None and git.is_ancestor(sha, record.sha):
        if T.first(T.parse_trailers(git.out("log", "-1", "--format=%B", sha)), T.SOURCE_SHA):
            return sha
    wanted = sha or (rev if len(rev) >= 7 and all(c in "0123456789abcdef" for c in rev) else None)
    if wanted:
        for entry in git.log(record.sha, first_parent=True):
            found = T.parse_trailers(entry.body)
            source = T.first(found, T.SOURCE_SHA) or ""
            if source.startswith(wanted) and not found.get(T.HOLD) and not found.get(T.RELEASE):
                return entry.sha
    if sha is None:
        raise PublishError(f"unknown revision '{rev}' ({record.why})")
    raise PublishError(f"'{rev}' ({sha[:12]}) is neither a commit of {record.label} nor a source "
                       f"commit published there; name a rendered commit ({ctx.branch}~N) or a "
                       "published source commit")


def rollback(options: RollbackOptions, notify: Callable[[str], None] | None = None) -> HoldResult:
    env = options.environment
    ctx = _context(options.project_dir, env, options.branch, options.branch_per_env,
                   options.push, notify)
    git = ctx.git
    target = _resolve_target(ctx, options.to)
    entries = [(p, s) for _m, s, p in git.ls_tree(target)
               if p.startswith(ctx.prefix) and p != LEDGER]
    if not entries:
        raise PublishError(f"{options.to} ({target[:12]}) has no files for environment '{env}'")
    texts = git.read_blobs([s for _p, s in entries])
    files = {p: texts[s] for p, s in entries}
    metas = metadata_paths(list(files), ctx.prefix)
    source = str((load(files[metas[0]]) or {}).get("drySha", "")) if metas else ""
    since = _now()
    reason = (options.reason or "").strip()

    def build(parent: str | None) -> Built:
        assert parent is not None
        if not git.is_ancestor(target, parent):
            raise PublishError(f"{target[:12]} is not a commit of {ctx.branch} any more")
        hold = Hold(env, since, ident(ctx.who), reason, parent, target, source)
        content = dict(files)
        for meta in metas:
            content[meta] = with_hold(files[meta], hold)
        keep = _others(git, parent, ctx.prefix)
        tree, parent_tree = compose_tree(git, parent, content, keep)
        changes = tree_changes(git, parent_tree, tree, ctx.env_of)
        body = [line for c in changes.values() for line in c.lines()]
        body.append(f"{env} is held: later publishes leave it as it is until "
                    f"`lamina release {env}`.")
        pairs = carried_trailers(git, parent) + [
            (T.ENVIRONMENTS, ", ".join(changes) or env), (T.HOLD, env),
            (T.HOLD_FROM, parent), (T.HOLD_TO, target), (T.HOLD_SOURCE, source),
            (T.REASON, reason), (T.PUBLISHED_BY, ident(ctx.who))]
        subject = f"Roll back {env} to {target[:7]}" + (f" (source {source[:7]})" if source else "")
        message = f"{subject}\n\n" + "\n".join(body) + "\n\n" + T.format_trailers(pairs)
        person = (ctx.who[0], ctx.who[1], since)
        commit = git.commit_tree(tree, [parent], message, person, person)
        return Built(commit, [hold.line()])
    landed = land(git, ctx.branch, build, options.push, options.max_attempts, False,
                  LaminaHistory(git), ctx.remote)
    return HoldResult(landed, ctx.record.why, target, source)


def release(options: ReleaseOptions, notify: Callable[[str], None] | None = None) -> HoldResult:
    env = options.environment
    reason = options.reason.strip()
    if not reason:
        raise LaminaError("release needs --reason: say why the hold is lifted (it is recorded)")
    ctx = _context(options.project_dir, env, options.branch, options.branch_per_env,
                   options.push, notify)
    git = ctx.git

    def build(parent: str | None) -> Built:
        assert parent is not None
        paths = [p for _m, _s, p in git.ls_tree(parent)]
        hold = read_hold(git, parent, env, ctx.prefix, paths)
        if hold is None:
            raise PublishError(f"{env} is not held on {ctx.branch}: nothing to release")
        content = {}
        for meta in metadata_paths(paths, ctx.prefix):
            text = git.read_blob(parent, meta) or ""
            content[meta] = with_hold(text, None)
        keep = tuple(p for p in paths if p not in content and p != LEDGER)
        tree, parent_tree = compose_tree(git, parent, content, keep)
        pairs = carried_trailers(git, parent) + [
            (T.ENVIRONMENTS, env), (T.RELEASE, env), (T.REASON, reason),
            (T.PUBLISHED_BY, ident(ctx.who))]
        message = (f"Release {env}\n\nLifts the hold of {hold.since} by {hold.by} "
                   f"({hold.reason or 'no reason given'}); the next publish brings {env} up "
                   f"to date.\n\n" + T.format_trailers(pairs))
        person = (ctx.who[0], ctx.who[1], None)
        return Built(git.commit_tree(tree, [parent], message, person, person),
                     [f"{env}: hold released: {reason}"])
    landed = land(git, ctx.branch, build, options.push, options.max_attempts, False,
                  LaminaHistory(git), ctx.remote)
    return HoldResult(landed, ctx.record.why)


def _others(git: Git, parent: str, prefix: str) -> tuple[str, ...]:
    return tuple(p for _m, _s, p in git.ls_tree(parent)
                 if not p.startswith(prefix) and p != LEDGER)

