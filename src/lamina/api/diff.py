"""`lamina diff`: what a change does to each environment, resource by resource. Both sides
are rendered through the render engine (project/engine.py) or read from git (the rendered
branch) or the output folder; lamina.diff then compares them."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

from lamina.diff.compare import DiffError, compare_environments, compare_sides
from lamina.diff.formats import as_json, markdown, text
from lamina.diff.model import EnvironmentDiff
from lamina.diff.sources import Side, output_folder, parse_files
from lamina.git import Git, GitError
from lamina.kustomize.dialect import ValuesOptions
from lamina.project import engine
from lamina.project.config import Project, load_project
from lamina.project.layout import METADATA_FILE
from lamina.project.outdir import output_path
from lamina.publish.record import default_remote, read_record

__all__ = ["DiffError", "DiffOptions", "EnvironmentDiff", "as_json", "diff", "markdown", "text"]

_NOT_RESOURCES = frozenset({"kustomization.yaml", "README.md", METADATA_FILE})


@dataclass(frozen=True)
class DiffOptions:
    project_dir: str = "."
    base: str | None = None           # git revision; None: the rendered branch / output folder
    head: str | None = None           # git revision; None: the working tree
    envs: tuple[str, str] | None = None
    environments: tuple[str, ...] = ()
    ignore_fields: tuple[str, ...] = ()
    only: tuple[tuple[str, str], ...] = ()
    ignore_namespace: bool = False
    ignore_prefix: str | None = None   # regex of a name prefix to ignore (with --envs)
    values: ValuesOptions = ValuesOptions()


def diff(options: DiffOptions,
         notify: Callable[[str], None] | None = None) -> list[EnvironmentDiff]:
    """One EnvironmentDiff per target (or one for --envs A B)."""
    project = load_project(options.project_dir)
    if options.envs:
        a, b = options.envs
        side = _render(project, (a, b), options.values)
        return [compare_environments(side, a, b, options.ignore_fields, options.only,
                                     options.ignore_namespace, options.ignore_prefix)]
    if options.head:
        head = _render_revision(project.root, options.head, options.environments,
                                options.values)
    else:
        head = _render(project, options.environments, options.values)
    base: Side | None
    if options.base:
        base = _render_revision(project.root, options.base, options.environments,
                                options.values)
    else:
        base = _rendered_branch(project.root, project.publish.branch, project.publish.remote,
                                notify)
        if base is None:
            base = output_folder(output_path(project, None), _NOT_RESOURCES)
        if base is None:
            try:
                Git(project.root).toplevel()
            except GitError:
                raise DiffError(f"nothing to compare with: {project.root} is not inside a git "
                                f"repository and has no {project.output_dir}/ folder; run "
                                "`lamina render` first, or run lamina from a clone") from None
            raise DiffError(f"nothing to compare with: no '{project.publish.branch}' branch and no "
                            f"{project.output_dir}/ folder; use --base REV to compare revisions")
    return compare_sides(base, head, options.environments, options.ignore_fields, options.only)


def _render(project: Project, environments: tuple[str, ...], values: ValuesOptions) -> Side:
    """Each target's objects, rendered in memory (no check, no cache of printed files)."""
    plan = engine.Plan(project, engine.jobs_of(project, environments), engine.Mode.OBJECTS,
                       values, cache=False)
    result = engine.run(plan)
    assert isinstance(result, engine.Objects)
    return {t.path: list(t.objects) for t in result.targets}


def _render_revision(project_dir: str, rev: str, environments: tuple[str, ...],
                     values: ValuesOptions) -> Side:
    """Render `rev` in a temporary worktree; the user's tree and index are never touched."""
    git = Git(project_dir)
    top = git.toplevel()
    sha = git.resolve(rev)
    if sha is None:
        raise GitError(f"unknown revision '{rev}'")
    rel = os.path.relpath(os.path.realpath(project_dir), os.path.realpath(top))
    tmp = tempfile.mkdtemp(prefix="lamina-diff-")
    tree = os.path.join(tmp, "tree")
    try:
        git.run("worktree", "add", "--detach", "--quiet", tree, sha)
        try:
            return _render(load_project(os.path.join(tree, rel)), environments, values)
        finally:
            git.run("worktree", "remove", "--force", tree, check=False)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _rendered_branch(project_dir: str, branch: str, remote: str | None = None,
                     notify: Callable[[str], None] | None = None) -> Side | None:
    """The rendered branch as published: the local branch, or origin's copy when there is
    no local one or it is newer (publish/record.py), saying which through `notify`."""
    git = Git(project_dir)
    if not git.is_repo():       # outside git there is no rendered branch to compare with
        return None
    record = read_record(git, branch, default_remote(git, remote))
    if record.sha is None:
        return None
    if notify is not None:
        notify(f"comparing with the rendered branch: {record.why}")
    entries = [(sha, path) for _mode, sha, path in git.ls_tree(record.sha)
               if path.endswith(".yaml") and not path.endswith("kustomization.yaml")]
    texts = git.read_blobs([sha for sha, _p in entries])
    return parse_files({path: texts[sha] for sha, path in entries}, _NOT_RESOURCES)
