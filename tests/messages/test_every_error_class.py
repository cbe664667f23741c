"""Every error class lamina raises for a user's mistake: one broken input each, and the
message names the file, the line where there is one, and what to do."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path
from typing import Callable

import pytest

import lamina
from lamina.errors import LaminaError
from tests.helpers.trees import write_tree

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n"
LK = "apiVersion: lamina.dev/v1alpha1\nkind: Kustomization\n"
# What a remedy reads like: an instruction, or the closest valid spelling.
REMEDY = re.compile(r"did you mean|\b(set|add|fix|use|quote|run|remove|rename|check|choose|write|"
                    r"encrypt|commit|give|declare|vendor|drop|move|create|define|list|pass)\b", re.I)


def _build(tree: Path) -> None:
    from lamina.kustomize.build import build
    build(str(tree))


def yaml_error(tmp: Path) -> None:
    write_tree(tmp, {"kustomization.yaml": "resources: [cm.yaml]\n",
                     "cm.yaml": CM + "data:\n  a: [x?y]\n"})
    _build(tmp)


def kustomization_error(tmp: Path) -> None:
    write_tree(tmp, {"kustomization.yaml": "resources: [cm.yaml]\nnamspace: x\n", "cm.yaml": CM})
    _build(tmp)


def missing_file_error(tmp: Path) -> None:
    write_tree(tmp, {"kustomization.yaml": "resources: [cm.yaml, gone.yaml]\n", "cm.yaml": CM})
    _build(tmp)


def template_error(tmp: Path) -> None:
    write_tree(tmp, {"kustomization.yaml": LK + "resources: [cm.yaml.j2]\nvalues: [values.yaml]\n",
                     "values.yaml": "name: cm\n",
                     "cm.yaml.j2": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ values.nmae }}\n"})
    _build(tmp)


def values_schema_error(tmp: Path) -> None:
    write_tree(tmp, {"kustomization.yaml": LK + "resources: [cm.yaml]\nvalues: [values.yaml]\n"
                                                "valuesSchema: schema.yaml\n",
                     "cm.yaml": CM, "values.yaml": "replicas: many\n",
                     "schema.yaml": "type: object\nproperties:\n  replicas: {type: integer}\n"})
    _build(tmp)


def values_error(tmp: Path) -> None:
    write_tree(tmp, {"kustomization.yaml": LK + "resources: [cm.yaml]\nvalues: [values.yaml]\n",
                     "cm.yaml": CM, "values.yaml": "a: [1\n"})
    _build(tmp)


def project_error(tmp: Path) -> None:
    from lamina.project.config import load_project
    write_tree(tmp, {"lamina.yaml": "apiVersion: lamina.dev/v1alpha1\nkind: Project\nenvironments:\n"
                                    "  - name: prod\n    overlay: overlays/nope\n"})
    load_project(str(tmp))


def explain_error(tmp: Path) -> None:
    from lamina.api.explain import ExplainOptions, explain
    write_tree(tmp, {"overlays/prod/kustomization.yaml": "resources: [cm.yaml]\n",
                     "overlays/prod/cm.yaml": CM})
    explain(ExplainOptions("prod", "ConfigMap/cm", "data..x", project_dir=str(tmp)))


# class name -> (scenario, whether the mistake has a line to name)
SCENARIOS: dict[str, tuple[Callable[[Path], None], bool]] = {
    "YamlError": (yaml_error, True),
    "KustomizationError": (kustomization_error, True),
    "MissingFileError": (missing_file_error, True),
    "TemplateError": (template_error, True),
    "ValuesSchemaError": (values_schema_error, True),
    "ValuesError": (values_error, True),
    "ProjectError": (project_error, True),
    "ExplainError": (explain_error, False),
}

# Error classes without a scenario here yet (each is raised; its messages are covered by
# their own modules' tests). A new error class must be added to SCENARIOS or to this list.
NOT_YET_WALKED = {
    "LaminaError", "ResourceError", "NotSupportedError", "FieldPathError", "PathError",
    "PatchError", "CheckConfigError", "ChecksFailed", "GitError", "PublishError",
    "RequiredValueError", "RenderLimitError", "EditError", "PromoteError", "OutputError",
    "DiffError", "InitError", "LockTimeout", "MissingEngine", "PathRefused", "PolicyError",
    "ShallowHistoryError", "TargetError", "VendorError", "WriteFault", "WrongNodeKind",
}


def _all_error_classes() -> set[str]:
    for info in pkgutil.walk_packages(lamina.__path__, "lamina."):
        if info.name.startswith(("lamina.cli", "lamina.testing", "lamina.generators.helm")):
            continue
        importlib.import_module(info.name)
    found: set[str] = set()
    stack = [LaminaError]
    while stack:
        cls = stack.pop()
        found.add(cls.__name__)
        stack.extend(cls.__subclasses__())
    return found


def test_every_error_class_is_walked_or_listed() -> None:
    assert _all_error_classes() == set(SCENARIOS) | NOT_YET_WALKED


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_message_names_file_line_and_remedy(name: str, tmp_path: Path) -> None:
    scenario, has_line = SCENARIOS[name]
    with pytest.raises(LaminaError) as caught:
        scenario(tmp_path)
    exc = caught.value
    assert type(exc).__name__ == name, str(exc)
    text = str(exc)
    if has_line:
        assert exc.source is not None and exc.source.line is not None, text
        assert re.match(r"[\w./-]+\.(yaml|j2|yml):\d+", text), text
    assert REMEDY.search(exc.message.split("\n  (kustomize:")[0]), text
