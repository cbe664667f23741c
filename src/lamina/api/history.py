"""`lamina history [ENV]` and `lamina status`: the rendered branch read back, with git alone.

Both read the copy of the branch that is the record (publish/record.py: origin/<branch>
when there is no local branch or it is newer) and say which one they read."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lamina.errors import LaminaError
from lamina.git import Git
from lamina.publish import trailers as T
from lamina.publish.changes import EnvChanges, per_env_branch, single_branch_env, tree_changes
from lamina.publish.holds import Hold, environments_in, hold_in, load, metadata_paths
from lamina.publish.record import Record, default_remote, read_record


@dataclass(frozen=True)
class HistoryOptions:
    environment: str | None = None        # None: every environment
    project_dir: str = "."
    branch: str | None = None
    remote: str | None = None
    limit: int | None = 50


@dataclass(frozen=True)
class HistoryEntry:
    rendered: str                         # the rendered commit
    kind: str                             # publish, rollback or release
    source: str                           # the source commit (the environment's drySha)
    subject: str                          # that commit's subject
    published_by: str
    date: str                             # when it was published (committer date)
    environments: tuple[str, ...]         # whose files changed
    reason: str = ""
    hold: Hold | None = None              # a rollback's hold
    released: tuple[str, ...] = ()
    held: tuple[str, ...] = ()            # left as they were by this publish
    forced: str = ""
    dirty: str = ""                       # the digest, when published dirty
    changes: dict[str, EnvChanges] = field(default_factory=dict)


@dataclass(frozen=True)
class HistoryResult:
    branch: str
    read_from: str
    entries: tuple[HistoryEntry, ...]


@dataclass(frozen=True)
class StatusOptions:
    project_dir: str = "."
    branch: str | None = None
    remote: str | None = None


@dataclass(frozen=True)
class EnvStatus:
    environment: str
    source: str                           # drySha
    subject: str
    source_date: str
    age_seconds: int | None               # of the source commit
    published: str                        # the rendered commit that last changed it
    published_date: str
    published_by: str
    hold: Hold | None
    dirty: bool


@dataclass(frozen=True)
class StatusResult:
    branch: str
    read_from: str
    tip: str
    environments: tuple[EnvStatus, ...]


def _settings(project_dir: str, branch: str | None,
              remote: str | None) -> tuple[Git, str, str | None, str | None]:
    """(git, branch, per-env pattern, remote), from lamina.yaml when it can be read: these
    commands need only git, so a checkout without a readable project still works."""
    from lamina.project.config import load_project
    try:
        project = load_project(project_dir)
        root, settings = project.root, project.publish
        name, pattern, configured = settings.branch, settings.branch_per_env, settings.remote
    except LaminaError:
        root, name, pattern, configured = project_dir, "rendered", None, None
    git = Git(root)
    git.toplevel()
    return git, branch or name, None if branch else pattern, remote or default_remote(git, configured)


def _record(git: Git, branch: str, remote: str | None) -> Record:
    record = read_record(git, branch, remote)
    if record.sha is None:
        raise LaminaError(f"nothing published yet: {record.why}; run `lamina publish` first, "
                          "or pass --branch if it publishes elsewhere")
    return record


def history(options: HistoryOptions) -> HistoryResult:
    git, branch, pattern, remote = _settings(options.project_dir, options.branch, options.remote)
    env = options.environment
    if pattern:
        if env is None:
            raise LaminaError("this project publishes a branch per environment: name one "
                              "(lamina history ENV)")
        branch, prefix, env_of = pattern.format(env=env), "", per_env_branch(env)
    else:
        prefix = env + "/" if env else ""
        env_of = single_branch_env
    record = _record(git, branch, remote)
    assert record.sha is not None
    args = [record.sha]
    if options.limit:
        args.insert(0, f"--max-count={options.limit}")
    if env and not pattern:
        args += ["--", prefix]
    entries = []
    for entry in git.log(*args):
        found = T.parse_trailers(entry.body)
        changes = tree_changes(git, entry.parents[0] if entry.parents else None, entry.sha,
                               env_of)
        if env:
            changes = {e: c for e, c in changes.items() if e == env}
        source, subject = T.first(found, T.SOURCE_SHA) or "", T.first(found, T.SOURCE_SUBJECT) or ""
        hold = None
        if env:
            meta = _metadata(git, entry.sha, prefix)
            source = str(meta.get("drySha", source)) if meta else source
            subject = str(meta.get("subject", subject)) if meta else subject
        if found.get(T.HOLD):
            held_env = found[T.HOLD][0]
            meta = _metadata(git, entry.sha, "" if pattern else held_env + "/")
            hold = hold_in(meta, held_env)
        kind = "rollback" if found.get(T.HOLD) else "release" if \
            found.get(T.RELEASE) and not entry.subject.startswith("Render") else "publish"
        entries.append(HistoryEntry(
            rendered=entry.sha, kind=kind, source=source, subject=subject,
            published_by=T.first(found, T.PUBLISHED_BY) or entry.committer, date=entry.date,
            environments=tuple(T.names(T.first(found, T.ENVIRONMENTS))) or tuple(changes),
            reason=T.first(found, T.REASON) or "", hold=hold,
            released=tuple(found.get(T.RELEASE, [])), held=tuple(T.names(T.first(found, T.HELD))),
            forced=T.first(found, T.FORCED) or "", dirty=T.first(found, T.SOURCE_DIRTY_DIGEST) or "",
            changes=changes))
    return HistoryResult(branch, record.why, tuple(entries))


def _metadata(git: Git, commit: str, prefix: str) -> dict[str, Any] | None:
    paths = [p for _m, _s, p in git.ls_tree(commit, prefix.rstrip("/"))] if prefix else \
        [p for _m, _s, p in git.ls_tree(commit)]
    for meta in metadata_paths(paths, prefix):
        data = load(git.read_blob(commit, meta))
        if data is not None:
            return data
    return None


def status(options: StatusOptions) -> StatusResult:
    git, branch, pattern, remote = _settings(options.project_dir, options.branch, options.remote)
    if pattern:
        from lamina.project.config import load_project
        names = [e.name for e in load_project(options.project_dir).environments]
        targets = [(env, pattern.format(env=env), "") for env in names]
    else:
        record = _record(git, branch, remote)
        assert record.sha is not None
        paths = [p for _m, _s, p in git.ls_tree(record.sha)]
        targets = [(env, branch, env + "/") for env in environments_in(paths)]
    now = time.time()
    rows = []
    read_from, tip = "", ""
    for env, name, prefix in targets:
        record = read_record(git, name, remote)
        if record.sha is None:
            continue
        read_from, tip = record.why, record.sha
        meta = _metadata(git, record.sha, prefix) or {}
        log = git.log(record.sha, *(["--", prefix] if prefix else []), max_count=1)
        last = log[0] if log else None
        found = T.parse_trailers(last.body) if last else {}
        date = str(meta.get("date", ""))
        rows.append(EnvStatus(
            environment=env, source=str(meta.get("drySha", "")),
            subject=str(meta.get("subject", "")), source_date=date,
            age_seconds=_age(date, now), published=last.sha if last else "",
            published_date=last.date if last else "",
            published_by=(T.first(found, T.PUBLISHED_BY) or last.committer) if last else "",
            hold=hold_in(meta, env), dirty="dirty" in (meta.get("lamina") or {})))
    return StatusResult(branch, read_from, tip, tuple(rows))


def _age(date: str, now: float) -> int | None:
    try:
        return max(0, int(now - datetime.fromisoformat(date.replace("Z", "+00:00")).timestamp()))
    except ValueError:
        return None
