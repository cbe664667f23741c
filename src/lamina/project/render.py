"""Building one target of a project (an environment, or one of its clusters) for the render
engine (project/engine.py): its values files, its inputs and their digests, the source
commit its metadata names, and the command that reproduces it; and which targets are
unchanged since they were last rendered."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import posixpath
import re
from typing import Any, Callable, TypeVar

from lamina.errors import LaminaError, SourceRef
from lamina.kustomize.dialect import ValuesOptions
from lamina.model.resmap import ResMap
from lamina.project.config import Cluster, Environment, Project
from lamina.project.layout import SourceInfo

T = TypeVar("T")
# finish(resmap, inputs, source, command, unmatched patches): what the engine does with it
Finish = Callable[[ResMap, dict[str, str], SourceInfo, str, tuple[Any, ...]], T]


@functools.lru_cache(maxsize=16)
def _repository(root: str) -> tuple[str, str] | None:
    """(shallow-file path, canonical remote.origin.url) of the repository at `root`, or None
    outside git. Asked once per process: every target of a render asks."""
    from lamina.git import Git, GitError, canonical_url
    git = Git(root)
    try:
        if not git.is_repo():
            return None
        url = git.config("remote.origin.url")
        return git.git_path("shallow"), canonical_url(url, git.toplevel()) if url else ""
    except GitError:
        return None


def source_info(root: str, inputs: list[str] | None = None) -> SourceInfo:
    """The newest commit that touched any of `inputs` (project-relative paths), or HEAD.

    Naming the last commit that changed an environment's inputs, rather than HEAD, keeps
    an unchanged environment's files byte-identical from one source commit to the next,
    so a publish only touches the environments a change really affects. In a shallow clone
    the oldest commit present looks as if it changed everything, so it is never named
    (render and publish deepen the history first: lamina.git.deepen)."""
    from lamina.git import Git, GitError
    repo = _repository(root)
    if repo is None:
        return SourceInfo()
    git = Git(root)
    fmt = "--format=%H%x1f%an <%ae>%x1f%cI%x1f%s"
    try:
        if git.resolve("HEAD") is None:
            return SourceInfo()
        out = git.out("log", "-1", fmt, "HEAD", "--", *(inputs or ["."])) if inputs else ""
        if not out:
            out = git.out("log", "-1", fmt, "HEAD")
    except GitError:
        return SourceInfo()
    sha, author, date, subject = (out.split("\x1f", 3) + ["", "", ""])[:4]
    try:
        with open(repo[0], encoding="ascii") as fh:
            boundary = {line.strip() for line in fh}
    except OSError:
        boundary = set()
    if sha in boundary:
        # A shallow boundary looks as if it changed everything: naming it would be a wrong
        # drySha. render and publish deepen the clone first (or refuse without a remote);
        # what still gets here (diff, check) needs no source commit, so name none.
        return SourceInfo(repo_url=repo[1])
    return SourceInfo(repo_url=repo[1], sha=sha, author=author, date=date, subject=subject)


def _digest(path: str) -> str:
    """SHA-256 of a file, read once per process while its stat stays the same (shared with
    the base cache and the build memo: kustomize/digests.py)."""
    from lamina.kustomize.digests import digest
    value = digest(path)
    if value is None:        # unreadable: let the read itself say why
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    return value


def render_target(project: Project, env: Environment, path: str, cluster: Cluster | None,
                  flags: ValuesOptions, finish: Finish[T]) -> T:
    """Build one target (`flags`: the values given on the command line) and hand the result
    to `finish(resmap, inputs, source, command, unmatched patches)` (project/worker.py)."""
    from lamina.kustomize.build import BuildOptions, build
    files = tuple(os.path.join(project.root, v) for v in env.values)
    if cluster is not None:
        files += tuple(os.path.join(project.root, v) for v in cluster.values)
    values = ValuesOptions(files=files + flags.files, sets=flags.sets,
                           set_strings=flags.set_strings)
    reads: set[str] = set()
    # memo: only bases changed since the last render are built again (kustomize/memo.py).
    unmatched: list[Any] = []
    try:
        resmap = build(os.path.join(project.root, env.overlay),
                       BuildOptions(values=values, reads=reads, memo=True, unmatched=unmatched))
    except LaminaError as exc:
        # Named from the project root, and by environment when there are several.
        several = len(project.environments) > 1 or len(env.targets()) > 1
        raise exc.located(env.overlay, path if several else None, project.root) from None
    for f in files:
        reads.add(os.path.realpath(f))
    inputs = {_relative(p, project.root): _digest(p) for p in sorted(reads)
              if os.path.isfile(p)}
    # Committed output names no commit: the one it belongs to does not exist yet.
    source = SourceInfo() if project.output_committed else source_info(project.root,
                                                                       sorted(inputs))
    command = _command_for(env, cluster, flags)
    unmatched_patches = tuple(sorted({(os.path.relpath(u.path, project.root), u.where().line,
                                       u.field, u.index, u.what) for u in unmatched},
                                     key=lambda u: (u[0], u[1] or 0, u[2:])))
    return finish(resmap, inputs, source, command, unmatched_patches)


def _relative(path: str, root: str) -> str:
    """os.path.relpath(path, root), without its work for the usual case: a normalised
    absolute path under the (normalised, absolute) root."""
    if path.startswith(root + os.sep) and os.path.isabs(root) and \
            os.path.normpath(root) == root and not _UNNORMAL.search(path):
        return path[len(root) + 1:]
    return os.path.relpath(path, root)


_UNNORMAL = re.compile(r"//|/\.\.?(?:/|$)|/$")
_JOINED: dict[tuple[str, str], str] = {}

S = TypeVar("S", bound=SourceRef)


def project_relative(source: S | None, overlay: str) -> S | None:
    """Build messages name files relative to the overlay; project-level reports use paths
    relative to the project root."""
    if source is None:
        return None
    key = (overlay, source.path)
    path = _JOINED.get(key)
    if path is None:
        if len(_JOINED) > 65536:
            _JOINED.clear()
        path = _JOINED[key] = posixpath.normpath(posixpath.join(overlay, source.path))
    if type(source) is SourceRef:
        return SourceRef(path, source.line, source.column)     # type: ignore[return-value]
    from lamina.yaml.patch_positions import PatchedSource
    if isinstance(source, PatchedSource):     # the patch files move with it
        return source.moved(overlay)     # type: ignore[return-value]
    return dataclasses.replace(source, path=path)


def options_output(project: Project) -> str:
    return project.output_dir.rstrip("/")


def selected(project: Project, names: tuple[str, ...]) -> list[Environment]:
    """The environments named (all when none is), in the order named."""
    if not names:
        return list(project.environments)
    return [project.environment(n) for n in names]


def _command_for(env: Environment, cluster: Cluster | None,
                 flags: ValuesOptions = ValuesOptions()) -> str:
    """The command that reproduces a target's folder, the command-line values included: a
    `render --set` result then never passes for a plain render's (stale_targets compares
    this), and the metadata says how the folder was really made."""
    import shlex
    command = f"lamina build {shlex.quote(env.overlay)}"
    for f in env.values + (cluster.values if cluster else ()) + flags.files:
        command += f" --values {shlex.quote(f)}"
    for expr in flags.sets:
        command += f" --set {shlex.quote(expr)}"
    for expr in flags.set_strings:
        command += f" --set-string {shlex.quote(expr)}"
    return command


def stale_targets(project: Project, output: str, environments: tuple[str, ...] = (),
                  flags: ValuesOptions = ValuesOptions()) -> tuple[set[str], set[str]]:
    """(targets to render, targets whose inputs are unchanged since they were rendered).

    A target is unchanged when its metadata names this lamina version and the same command,
    and every input file it recorded still has the same content. Kustomize reads no file it
    was not told to (no globbing), so unchanged inputs mean unchanged output."""
    import json
    from lamina.version import __version__
    from lamina.project.layout import METADATA_FILE
    from lamina.fsguard import Folder, is_safe_name
    folder = Folder(output)
    todo: set[str] = set()
    fresh: set[str] = set()
    for env in selected(project, environments):
        for path, cluster in env.targets():
            try:
                # The metadata is the tree's (a pull request's): read through fsguard, and
                # its input paths are hashed only when they name files inside the project.
                meta = json.loads(folder.read_text(f"{path}/{METADATA_FILE}") or "null")
                info = meta["lamina"]
                ok = (not (flags.files or flags.sets or flags.set_strings)
                      and info.get("version") == __version__
                      and meta.get("commands") == [_command_for(env, cluster)]
                      and all(is_safe_name(p) and os.path.isfile(os.path.join(project.root, p))
                              and _digest(os.path.join(project.root, p)) == d
                              for p, d in info["inputs"].items()))
            except (OSError, ValueError, KeyError, TypeError, LaminaError):
                ok = False
            (fresh if ok else todo).add(path)
    return todo, fresh
