"""check_project(): the API behind `lamina check`."""

from __future__ import annotations

import dataclasses

from lamina.checks.config import rules
from lamina.checks.gate import load_crd_dir
from lamina.checks.runner import CheckResult
from lamina.kustomize.dialect import ValuesOptions


def check_project(project_dir: str = ".", environments: tuple[str, ...] = (),
                  preset: str | None = None, strict: bool = False, crd_dir: str | None = None,
                  values: ValuesOptions = ValuesOptions(), jobs: int = 0) -> CheckResult:
    """Every check over every environment (or those named), rendered in parallel as
    `lamina render` renders them (project/pipeline.py), without printing any file."""
    from lamina.project import pipeline
    from lamina.project.config import load_project
    from lamina.project.render import RenderOptions, selected
    project = load_project(project_dir)
    options = RenderOptions(environments=environments, values=values)
    envs = selected(project, environments)
    configured = crds = error = None
    try:   # reported after the builds, as before
        configured = rules(project.checks, preset)
        if strict:
            configured = [dataclasses.replace(r, options=dataclasses.replace(
                r.options, require_digest=True)) if r.check_id == "image-tag" else r
                for r in configured]
        crds = load_crd_dir(crd_dir)
    except Exception as exc:
        error = exc
    plan = pipeline.Plan(project, options, [pipeline.Job(e, p, c) for e in envs
                                            for p, c in e.targets()],
                         output="", mode=pipeline.FINDINGS,
                         rules=configured if error is None else None, crds=crds or ())
    if error is not None and not plan.jobs:
        raise error
    plan.expected_owners = pipeline.expected_owners(plan)
    _outcomes, result = pipeline.execute(plan, jobs, error, gate=False)
    return result if result is not None else CheckResult()
