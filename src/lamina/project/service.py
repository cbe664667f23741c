"""`render`: the API behind `lamina render` (and the first half of `lamina publish`)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Callable

from lamina.kustomize.dialect import ValuesOptions
from lamina.project.config import Project, ProjectError, load_project
from lamina.project.gitops import ARGOCD_DIR, FLUX_DIR, PLACEHOLDER_URL, gitops_files
from lamina.project.layout import METADATA_FILE
from lamina.project.render import RenderOptions, render_project, selected, stale_targets



@dataclass
class RenderOutcome:
    output: str
    rendered: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    differences: list[str] = field(default_factory=list)
    resource_count: int = 0
    target_count: int = 0
    files: dict[str, str] = field(default_factory=dict)
    targets: list = field(default_factory=list)
    check_result: object = None


def output_path(project: Project, output: str | None, outside_ok: bool = False) -> str:
    """The output folder, absolute. It must be inside the project (the repository) unless
    the operator says otherwise (`outside_ok`: render's --output-outside-repo), must not be
    the project root or inside .git, and no folder on the way to it inside the project may
    be a symbolic link (the tree is not trusted: a link would send every write elsewhere)."""
    from lamina.fsguard import MAX_COMPONENT_BYTES, is_inside, real_dir_chain
    root = project.root
    given = output if output else project.output_dir
    try:
        too_long = any(len(part.encode("utf-8")) > MAX_COMPONENT_BYTES
                       for part in given.split("/"))
    except UnicodeEncodeError:
        too_long = True
    if "\0" in given or too_long:
        raise ProjectError(f"output folder {given!r} is not a usable folder name (a NUL, text that "
                           f"is not UTF-8, or a component longer than {MAX_COMPONENT_BYTES} "
                           "bytes)")
    if output:
        out = os.path.normpath(os.path.join(os.path.realpath(os.getcwd()), output))
    else:
        out = os.path.normpath(os.path.join(root, project.output_dir))
    if not is_inside(out, root):
        real = os.path.realpath(out)
        if is_inside(real, root):
            out = real      # the operator's own path reaches the project through a link
        elif not outside_ok:
            raise ProjectError(f"output folder {out} is outside the project root {root}; "
                               "pass --output-outside-repo to write there")
        else:
            return real
    if out == root:
        raise ProjectError("the output folder cannot be the project root itself")
    rel = os.path.relpath(out, root)
    if ".git" in rel.split(os.sep):
        raise ProjectError(f"the output folder {rel} cannot be inside .git")
    bad = real_dir_chain(root, out)
    if bad is not None:
        what = "a symbolic link" if os.path.islink(bad) else "not a folder"
        raise ProjectError(f"output folder {rel}: {os.path.relpath(bad, root)} is {what}; "
                           "lamina never follows links to or inside its output folder")
    return out


def render_command(project_dir: str = ".", environments: tuple[str, ...] = (),
                   output: str | None = None, check: bool = False, render_all: bool = False,
                   argocd_apps: bool = False, repo_url: str | None = None, jobs: int = 0,
                   values: ValuesOptions = ValuesOptions(),
                   progress: Callable[[str], None] = lambda _m: None,
                   write: bool = True, run_checks: bool = True,
                   output_outside_repo: bool = False, argocd_appset: bool = False,
                   flux: bool = False, lock_timeout: float | None = None,
                   notify: Callable[[str], None] | None = None,
                   rendered_branch: str | None = None) -> RenderOutcome:
    """Render the selected environments. `argocd_apps` / `argocd_appset` / `flux` (or
    lamina.yaml's gitops settings) also write the objects pointing an agent at them.
    With `lock_timeout`, the output folder's lock (project/outlock.py) is held for the
    whole run. A shallow clone is made whole first (lamina.git.deepen)."""
    from lamina.git import Git, deepen
    project = load_project(project_dir)
    out = output_path(project, output, output_outside_repo)
    deepen(Git(project.root), project.publish.remote, notify)
    if rendered_branch is not None and rendered_branch != project.publish.branch:
        # publish --branch: the gitops objects must name the branch really published to.
        from dataclasses import replace
        project = replace(project, publish=replace(project.publish, branch=rendered_branch))
    argocd = ("applicationset" if argocd_appset else "applications" if argocd_apps
              else project.gitops.argocd)
    args = (project, out, environments, check, render_all, argocd, flux or project.gitops.flux,
            repo_url, jobs, values, progress, write, run_checks)
    if lock_timeout is None:
        return _render(*args)
    from lamina.project.outlock import output_lock
    with output_lock(out, lock_timeout, notify):
        return _render(*args)


def _render(project: Project, out: str, environments: tuple[str, ...], check: bool,
            render_all: bool, argocd: str | None, flux: bool, repo_url: str | None, jobs: int,
            values: ValuesOptions, progress: Callable[[str], None], write: bool,
            run_checks: bool) -> RenderOutcome:
    from lamina.project import pipeline
    from lamina.project.render import RenderedTarget
    from lamina.project.writer import OutputError, commit, conflict_message, owned_files, recover
    gitops_dirs = ({ARGOCD_DIR} if argocd else set()) | ({FLUX_DIR} if flux else set())
    options = RenderOptions(environments=environments, values=values, jobs=jobs)
    envs = selected(project, environments)
    mode = pipeline.CHECK if check else (pipeline.WRITE if write else pipeline.COLLECT)
    if mode == pipeline.WRITE and os.path.isdir(out):
        recover(out)    # finish an interrupted write before looking at the folder
    if check or render_all or not os.path.isdir(out):
        todo = {p for e in envs for p, _c in e.targets()}
        fresh: set[str] = set()
    else:
        todo, fresh = stale_targets(project, out, options)
    progress(f"rendering {len(todo)} environments...")
    owned = owned_files(out) if mode != pipeline.COLLECT else set()
    rules = rules_error = None
    if run_checks:
        from lamina.checks.config import rules as check_rules
        try:
            rules = check_rules(project.checks, None, project.root)
        except Exception as exc:      # reported after the builds, as before
            rules_error = exc
    plan = pipeline.Plan(project, options,
                         [pipeline.Job(e, p, c) for e in envs for p, c in e.targets() if p in todo],
                         out, mode, frozenset(owned), rules if run_checks else None)
    plan.expected_owners = pipeline.expected_owners(plan)
    results, check_result = pipeline.execute(plan, jobs, rules_error if plan.jobs else None)
    outcome = RenderOutcome(output=out)
    outcome.targets = [RenderedTarget(r.path, r.environment, r.texts or {}, r.resource_count,
                                      r.inputs) for r in results]
    outcome.check_result = check_result
    staged = [r.staged for r in results if r.staged is not None]
    try:
        files: dict[str, str] = {}
        for r in results:
            outcome.rendered.append(r.path)
            outcome.resource_count += r.resource_count
            if r.texts is not None:
                for rel, text in r.texts.items():
                    files[f"{r.path}/{rel}"] = text
        for path in sorted(fresh):
            outcome.unchanged.append(path)
            try:
                with open(os.path.join(out, path, METADATA_FILE), encoding="utf-8") as fh:
                    outcome.resource_count += len(json.load(fh)["lamina"]["resources"])
            except (OSError, ValueError, KeyError):
                pass
        extra: dict[str, str] = {}
        if gitops_dirs:
            url = repo_url or project.gitops.repo_url or project.publish.repo_url
            if not url:
                from lamina.project.render import source_info
                url = source_info(project.root).repo_url or PLACEHOLDER_URL
            extra = gitops_files(project, url, argocd, flux)
            files.update(extra)
        outcome.target_count = len(outcome.rendered) + len(outcome.unchanged)
        outcome.files = files
        scope = {p.split("/", 1)[0] for p in todo} | gitops_dirs
        produced = [f"{r.path}/{rel}" for r in results for rel in r.files] + list(extra)
        if mode == pipeline.CHECK:
            from lamina.project.pipeline import file_differs
            changed = [d for r in results for d in r.differences]
            changed += [rel for rel, text in extra.items() if file_differs(out, rel, text)]
            made = set(produced)
            outcome.differences = sorted(changed) + [
                rel for rel in sorted(owned - made) if rel.split("/", 1)[0] in scope]
            return outcome
        if mode == pipeline.WRITE:
            staged = [r.staged for r in results if r.staged is not None]
            conflict = next((st.conflict for st in staged if st.conflict), None)
            if conflict is None and extra:
                from lamina.project.writer import stage
                staged.append(stage(out, "", extra, owned))
                conflict = staged[-1].conflict
            if conflict is not None:
                raise OutputError(conflict_message(out, conflict))
    except BaseException:
        from lamina.project.writer import discard
        discard(out, *staged)
        raise
    if mode == pipeline.WRITE:
        # Past this point the journal decides: a failure leaves it for the next run.
        result = commit(out, staged, produced, owned, scope)
        outcome.written, outcome.removed = result.written, result.removed
    return outcome
