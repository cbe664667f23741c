"""check_project(): the API behind `lamina check`."""

from __future__ import annotations

import dataclasses

from lamina.checks.config import rules
from lamina.checks.gate import contexts, load_crd_dir
from lamina.checks.runner import CheckResult, run
from lamina.kustomize.dialect import ValuesOptions


def check_project(project_dir: str = ".", environments: tuple[str, ...] = (),
                  preset: str | None = None, strict: bool = False, crd_dir: str | None = None,
                  values: ValuesOptions = ValuesOptions()) -> CheckResult:
    from lamina.project.config import load_project
    from lamina.project.render import RenderOptions, render_project
    project = load_project(project_dir)
    targets = render_project(project, RenderOptions(environments=environments, values=values))
    configured = rules(project.checks, preset)
    if strict:
        configured = [dataclasses.replace(r, options=dataclasses.replace(r.options, require_digest=True))
                      if r.check_id == "image-tag" else r for r in configured]
    return run(contexts(project, targets, load_crd_dir(crd_dir)), configured)
