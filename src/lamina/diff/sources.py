"""Where the two sides of a diff come from: a render of the working tree, a render of a git
revision (in a temporary worktree), the rendered branch, or the output folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any, Callable

from lamina.kustomize.dialect import ValuesOptions
from lamina.project.layout import METADATA_FILE

_NOT_RESOURCES = {"kustomization.yaml", "README.md", METADATA_FILE}

Side = dict[str, list[dict[str, Any]]]     # target path (env) -> rendered objects


def render_tree(project_dir: str, environments: tuple[str, ...] = (),
                values: ValuesOptions = ValuesOptions()) -> Side:
    from lamina.project.config import load_project
    from lamina.project.render import RenderOptions, render_project
    project = load_project(project_dir)
    targets = render_project(project, RenderOptions(environments=environments, values=values))
    return {t.path: [o for o, _src, _r in t.objects] for t in targets}


def render_revision(project_dir: str, rev: str, environments: tuple[str, ...] = (),
                    values: ValuesOptions = ValuesOptions()) -> Side:
    """Render `rev` in a temporary worktree; the user's tree and index are never touched."""
    from lamina.git import Git, GitError
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
            return render_tree(os.path.join(tree, rel), environments, values)
        finally:
            git.run("worktree", "remove", "--force", tree, check=False)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _parse_files(files: dict[str, str]) -> Side:
    from lamina.yaml import load_all
    side: Side = {}
    for rel, text in sorted(files.items()):
        parts = rel.split("/")
        if parts[-1] in _NOT_RESOURCES or rel.startswith(".") or parts[0].startswith("_"):
            continue
        # rendered/<env>[/<cluster>]/<namespace|_cluster>/<file>: the target is all but the last two.
        target = "/".join(parts[:-2]) if len(parts) >= 3 else parts[0]
        side.setdefault(target, []).extend(d for d in load_all(text, rel) if isinstance(d, dict))
    return side


def rendered_branch(project_dir: str, branch: str, remote: str | None = None,
                    notify: Callable[[str], None] | None = None) -> Side | None:
    """The rendered branch as published: the local branch, or origin's copy when there is
    no local one or it is newer (publish/record.py), saying which through `notify`."""
    from lamina.git import Git
    from lamina.publish.record import default_remote, read_record
    git = Git(project_dir)
    record = read_record(git, branch, default_remote(git, remote))
    if record.sha is None:
        return None
    if notify is not None:
        notify(f"comparing with the rendered branch: {record.why}")
    entries = [(sha, path) for _mode, sha, path in git.ls_tree(record.sha)
               if path.endswith(".yaml") and not path.endswith("kustomization.yaml")]
    texts = git.read_blobs([sha for sha, _p in entries])
    return _parse_files({path: texts[sha] for sha, path in entries})


def output_folder(path: str) -> Side | None:
    """The objects of an output folder (the committed rendered/: a pull request's), read
    through fsguard: a link inside it is refused, never followed."""
    from lamina.fsguard import Folder
    if not os.path.isdir(path) or os.path.islink(path):
        return None
    folder = Folder(path)
    files = {}
    for here, _dirs, names in folder.walk_files():
        for name in names:
            if name.endswith(".yaml") and name != "kustomization.yaml":
                rel = f"{here}/{name}" if here else name
                text = folder.read_text(rel)
                if text is not None:
                    files[rel] = text
    return _parse_files(files)
