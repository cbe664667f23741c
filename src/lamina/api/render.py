"""`lamina render`: render the selected environments into the output folder (or, for
`lamina publish`, into memory), through the render engine (project/engine.py)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from lamina.checks.config import rules as check_rules
from lamina.checks.runner import CheckResult
from lamina.fsguard import Folder
from lamina.git import Git, deepen
from lamina.kustomize.dialect import ValuesOptions
from lamina.project import engine
from lamina.project.config import Project, load_project
from lamina.project.engine import CollectedTarget, Mode
from lamina.project.gitops import ARGOCD_DIR, FLUX_DIR, PLACEHOLDER_URL, gitops_files
from lamina.project.layout import METADATA_FILE
from lamina.project.outdir import output_path
from lamina.project.outlock import output_lock
from lamina.project.render import source_info, stale_targets
from lamina.project.writer import OutputError, commit, conflict_message, discard, owned_files, \
    recover, stage
from lamina.report.text import checks_summary, warnings_report

__all__ = ["RenderOptions", "RenderResult", "checks_summary", "render", "render_project",
           "warnings_report"]


@dataclass(frozen=True)
class RenderOptions:
    """What to render: the project folder, the environments (none: all), the output folder
    (None: lamina.yaml's), `check` (compare with the output folder, write nothing),
    `render_all` (also the targets whose inputs are unchanged), the gitops objects to add
    (`argocd_apps`, `argocd_appset`, `flux`, else lamina.yaml's), values given on the
    command line, worker processes (0: one per core), `write` (False: keep every file in
    memory, RenderResult.targets), `run_checks`, how long to wait for the output folder's
    lock (None: no lock) and the rendered branch the gitops objects name (None:
    lamina.yaml's)."""

    project_dir: str = "."
    environments: tuple[str, ...] = ()
    output: str | None = None
    check: bool = False
    render_all: bool = False
    argocd_apps: bool = False
    argocd_appset: bool = False
    flux: bool = False
    repo_url: str | None = None
    jobs: int = 0
    values: ValuesOptions = ValuesOptions()
    write: bool = True
    run_checks: bool = True
    output_outside_repo: bool = False
    lock_timeout: float | None = None
    rendered_branch: str | None = None


@dataclass(frozen=True)
class RenderResult:
    """What a render did: the output folder, the targets rendered and those left unchanged,
    the files written and removed (or, with `check`, those that differ), the counts, the
    checks' findings, and (write=False) every target's files and the gitops files."""

    output: str
    rendered: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    differences: tuple[str, ...] = ()
    resource_count: int = 0
    target_count: int = 0
    checks: CheckResult | None = None
    targets: tuple[CollectedTarget, ...] = ()
    gitops: Mapping[str, str] = field(default_factory=dict)


def render(options: RenderOptions = RenderOptions(),
           progress: Callable[[str], None] = lambda _m: None,
           notify: Callable[[str], None] | None = None) -> RenderResult:
    """Render the selected environments of the project in `options.project_dir`."""
    return render_project(load_project(options.project_dir), options, progress, notify)


def render_project(project: Project, options: RenderOptions,
                   progress: Callable[[str], None] = lambda _m: None,
                   notify: Callable[[str], None] | None = None) -> RenderResult:
    """Render a loaded project. A shallow clone is made whole first (lamina.git.deepen);
    with `lock_timeout`, the output folder's lock (project/outlock.py) is held throughout."""
    out = output_path(project, options.output, options.output_outside_repo)
    deepen(Git(project.root), project.publish.remote, notify)
    if options.rendered_branch is not None and options.rendered_branch != project.publish.branch:
        # publish --branch: the gitops objects must name the branch really published to.
        project = replace(project, publish=replace(project.publish, branch=options.rendered_branch))
    if options.lock_timeout is None:
        return _render(project, out, options, progress)
    with output_lock(out, options.lock_timeout, notify):
        return _render(project, out, options, progress)


def _render(project: Project, out: str, options: RenderOptions,
            progress: Callable[[str], None]) -> RenderResult:
    argocd = ("applicationset" if options.argocd_appset else
              "applications" if options.argocd_apps else project.gitops.argocd)
    flux = options.flux or project.gitops.flux
    gitops_dirs = ({ARGOCD_DIR} if argocd else set()) | ({FLUX_DIR} if flux else set())
    mode = Mode.CHECK if options.check else (Mode.WRITE if options.write else Mode.COLLECT)
    if mode is Mode.WRITE and os.path.isdir(out):
        recover(out)    # finish an interrupted write before looking at the folder
    if options.check or options.render_all or not os.path.isdir(out):
        jobs = engine.jobs_of(project, options.environments)
        fresh: set[str] = set()
    else:
        todo, fresh = stale_targets(project, out, options.environments, options.values)
        jobs = engine.jobs_of(project, options.environments, todo)
    progress(f"rendering {len(jobs)} environments...")
    owned = owned_files(out) if mode is not Mode.COLLECT else set()
    rules = rules_error = None
    if options.run_checks:
        try:
            rules = tuple(check_rules(project.checks, None, project.root))
        except Exception as exc:      # reported after the builds, as a serial render would
            rules_error = exc
    plan = engine.Plan(project, jobs, mode, options.values, out, frozenset(owned), rules)
    plan = replace(plan, expected_owners=engine.expected_owners(plan))
    result = engine.run(plan, options.jobs, rules_error if jobs else None)
    assert isinstance(result, (engine.Written, engine.Compared, engine.Collected))
    staged = list(result.staged) if isinstance(result, engine.Written) else []
    try:
        unchanged = sorted(fresh)
        count = sum(t.resource_count for t in result.targets) + _counted(out, unchanged)
        extra: dict[str, str] = {}
        if gitops_dirs:
            url = options.repo_url or project.gitops.repo_url or project.publish.repo_url
            if not url:
                url = source_info(project.root).repo_url or PLACEHOLDER_URL
            extra = gitops_files(project, url, argocd, flux)
        done = RenderResult(output=out, rendered=tuple(t.path for t in result.targets),
                            unchanged=tuple(unchanged), resource_count=count,
                            target_count=len(result.targets) + len(unchanged),
                            checks=result.checks, gitops=extra,
                            targets=result.targets if isinstance(result, engine.Collected)
                            else ())
        scope = {job.path.split("/", 1)[0] for job in jobs} | gitops_dirs
        produced = [f"{t.path}/{rel}" for t in result.targets for rel in t.files] + list(extra)
        if isinstance(result, engine.Compared):
            folder = Folder(out)
            changed = list(result.differences)
            changed += [rel for rel, text in extra.items() if folder.read_text(rel) != text]
            made = set(produced)
            return replace(done, differences=tuple(sorted(changed) + [
                rel for rel in sorted(owned - made) if rel.split("/", 1)[0] in scope]))
        if isinstance(result, engine.Collected):
            return done
        conflict = next((st.conflict for st in staged if st.conflict), None)
        if conflict is None and extra:
            staged.append(stage(out, "", extra, owned))
            conflict = staged[-1].conflict
        if conflict is not None:
            raise OutputError(conflict_message(out, conflict))
    except BaseException:
        discard(out, *staged)
        raise
    # Past this point the journal decides: a failure leaves it for the next run.
    wrote = commit(out, staged, produced, owned, scope)
    return replace(done, written=wrote.written, removed=wrote.removed)


def _counted(out: str, unchanged: list[str]) -> int:
    """The resources of the unchanged targets, as their metadata counts them."""
    count = 0
    for path in unchanged:
        try:
            with open(os.path.join(out, path, METADATA_FILE), encoding="utf-8") as fh:
                count += len(json.load(fh)["lamina"]["resources"])
        except (OSError, ValueError, KeyError):
            pass
    return count

