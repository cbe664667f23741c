"""`lamina check`: every check over every environment (or those named), rendered in
memory as `lamina render` renders them (project/engine.py), without writing any file."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from lamina.checks.config import preset, rules
from lamina.checks.gate import load_crd_dir
from lamina.checks.runner import CheckResult
from lamina.kustomize.dialect import ValuesOptions
from lamina.project import engine
from lamina.project.config import load_project


@dataclass(frozen=True)
class CheckOptions:
    """What to check: the project folder, the environments (none: all), the preset that
    overrides lamina.yaml's, `strict` (images need a digest), CRDs to validate custom
    resources against, values given on the command line, and worker processes (0: auto)."""

    project_dir: str = "."
    environments: tuple[str, ...] = ()
    preset: str | None = None
    strict: bool = False
    crd_dir: str | None = None
    values: ValuesOptions = ValuesOptions()
    jobs: int = 0


def check(options: CheckOptions = CheckOptions()) -> CheckResult:
    """The findings of every configured check over the selected environments."""
    project = load_project(options.project_dir)
    jobs = engine.jobs_of(project, options.environments)
    configured = crds = error = None
    try:   # reported after the builds, as before
        configured = rules(project.checks, options.preset, project.root)
        if options.strict:   # images need a digest, as the strict preset says
            digest = preset("strict").rules.get("image-tag", {})
            configured = [dataclasses.replace(r, options=dataclasses.replace(r.options, **digest))
                          if r.check_id == "image-tag" else r for r in configured]
        crds = load_crd_dir(options.crd_dir)
    except Exception as exc:
        error = exc
    plan = engine.Plan(project, jobs, engine.Mode.FINDINGS, options.values,
                       rules=tuple(configured) if error is None and configured is not None
                       else None, crds=crds or ())
    if error is not None and not plan.jobs:
        raise error
    plan = dataclasses.replace(plan, expected_owners=engine.expected_owners(plan))
    result = engine.run(plan, options.jobs, error, gate=False)
    assert isinstance(result, engine.Checked)
    return result.checks if result.checks is not None else CheckResult()
