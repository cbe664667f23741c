"""Running one check over YAML text, for the checks' tests."""

from __future__ import annotations

from typing import Any

import yaml

from lamina.checks import registry
from lamina.checks.base import Context, Obj


def objs(text: str) -> tuple[Obj, ...]:
    """The documents of `text` as the checks see them."""
    return tuple(Obj(d) for d in yaml.safe_load_all(text) if d)


def findings(check_id: str, text: str, environment: str = "prod", **options: Any) -> list:
    """The findings of one check, with `options` for its Options, over `text`."""
    module = registry.load(check_id)
    return list(module.check(Context(environment, objs(text)), module.Options(**options)))


def check_project(project_dir: str, **options: Any) -> Any:
    """`lamina check` on a project folder, through the use case (lamina.api.check)."""
    from lamina.api.check import CheckOptions, check
    return check(CheckOptions(project_dir=project_dir, **options))
