"""`lamina explain ENV KIND/NAME FIELD.PATH`: which layers set a field, in build order, with
the file:line of each (lamina/explain/ holds the tracer and the explanation)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from lamina.errors import LaminaError
from lamina.explain.explanation import Explanation, explain_overlay
from lamina.kustomize.dialect import ValuesOptions
from lamina.project.config import load_project

__all__ = ["ExplainOptions", "Explanation", "explain"]


@dataclass(frozen=True)
class ExplainOptions:
    """The environment, the resource (`Kind/name`, `Kind/namespace/name`, or `Kind.group/name`
    as `lamina diff` prints it), the dotted field path (`[0]` indexes a list, `[name=web]`
    picks the item named web, `data['app.conf']` names a key holding dots), the project
    folder, and values given on the command line (above the environment's own)."""

    environment: str
    resource: str
    field: str
    project_dir: str = "."
    values: ValuesOptions = ValuesOptions()


def explain(options: ExplainOptions) -> Explanation:
    """Build the environment with a field tracer and say which file and line set the field,
    layer by layer; `Explanation.text()` is what `lamina explain` prints."""
    project = load_project(options.project_dir)
    env = project.environment(options.environment)
    overlay = os.path.join(project.root, env.overlay)
    values = options.values
    files = tuple(os.path.join(project.root, v) for v in env.values) + values.files
    try:
        return explain_overlay(project.root, overlay, options.environment, options.resource,
                               options.field, ValuesOptions(files=files, sets=values.sets,
                                                            set_strings=values.set_strings))
    except LaminaError as exc:
        # Named from the project root, as its output is (and as `render` names it).
        raise exc.located(env.overlay, None, project.root) from None
