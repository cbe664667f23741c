"""diff(): the API behind `lamina diff`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from lamina.diff.model import EnvironmentDiff, diff_resources
from lamina.diff import sources
from lamina.errors import LaminaError
from lamina.kustomize.dialect import ValuesOptions
from lamina.model.objref import ObjectRef


class DiffError(LaminaError):
    """The comparison asked for cannot be made."""


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


def _normalizer(options: DiffOptions):
    prefix = re.compile(options.ignore_prefix) if options.ignore_prefix else None

    def norm(ref: ObjectRef) -> ObjectRef:
        return ObjectRef(ref.group, ref.kind, "" if options.ignore_namespace else ref.namespace,
                         prefix.sub("", ref.name, count=1) if prefix is not None else ref.name)
    return norm


def _strip(objs, options: DiffOptions):
    """For --envs: drop what is expected to differ, so only real differences remain."""
    if not (options.ignore_namespace or options.ignore_prefix):
        return objs
    norm = _normalizer(options)
    out = []
    for o in objs:
        o = dict(o)
        md = dict(o.get("metadata") or {})
        ref = norm(ObjectRef(namespace=md.get("namespace", ""), name=md.get("name", "")))
        if options.ignore_namespace:
            md.pop("namespace", None)
        md["name"] = ref.name
        o["metadata"] = md
        out.append(o)
    return out


def diff(options: DiffOptions,
         notify: Callable[[str], None] | None = None) -> list[EnvironmentDiff]:
    from lamina.project.config import load_project
    project = load_project(options.project_dir)
    if options.envs:
        a, b = options.envs
        side = sources.render_tree(project.root, (a, b), options.values)
        left = [k for k in side if k == a or k.startswith(a + "/")]
        right = [k for k in side if k == b or k.startswith(b + "/")]
        old = [o for k in left for o in side[k]]
        new = [o for k in right for o in side[k]]
        return [diff_resources(f"{a} -> {b}", _strip(old, options), _strip(new, options),
                               options.ignore_fields, options.only)]
    if options.head:
        head = sources.render_revision(project.root, options.head, options.environments, options.values)
    else:
        head = sources.render_tree(project.root, options.environments, options.values)
    base: sources.Side | None
    if options.base:
        base = sources.render_revision(project.root, options.base, options.environments, options.values)
    else:
        base = sources.rendered_branch(project.root, project.publish.branch,
                                       project.publish.remote, notify)
        if base is None:
            from lamina.project.service import output_path
            base = sources.output_folder(output_path(project, None))
        if base is None:
            from lamina.git import Git, GitError
            try:
                Git(project.root).toplevel()
            except GitError:
                raise DiffError(f"nothing to compare with: {project.root} is not inside a git "
                                f"repository and has no {project.output_dir}/ folder; run "
                                "`lamina render` first, or run lamina from a clone") from None
            raise DiffError(f"nothing to compare with: no '{project.publish.branch}' branch and no "
                            f"{project.output_dir}/ folder; use --base REV to compare revisions")
    out = []
    for env in sorted(set(base) | set(head)):
        if options.environments and env.split("/")[0] not in options.environments:
            continue
        out.append(diff_resources(env, base.get(env, []), head.get(env, []),
                                  options.ignore_fields, options.only))
    return out
