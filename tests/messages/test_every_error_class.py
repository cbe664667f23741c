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
                    r"encrypt|commit|give|declare|vendor|drop|move|create|define|list|pass|"
                    r"publish|delete|raise|install)\b", re.I)


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


def resource_error(tmp: Path) -> None:
    write_tree(tmp, {"kustomization.yaml": "resources: [cm.yaml]\npatchesStrategicMerge: [p.yaml]\n",
                     "cm.yaml": CM, "p.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nope\n"})
    _build(tmp)


def not_supported_error(tmp: Path) -> None:
    write_tree(tmp, {"kustomization.yaml": "resources: [cm.yaml]\ntransformers:\n  - |-\n"
                                           "    apiVersion: example.com/v1\n    kind: Sed\n"
                                           "    metadata:\n      name: s\n", "cm.yaml": CM})
    _build(tmp)


def field_path_error(tmp: Path) -> None:
    write_tree(tmp, {"kustomization.yaml": "resources: [cm.yaml]\nreplacements:\n  - source: {kind: ConfigMap, "
                     "name: cm, fieldPath: metadata.name}\n    targets:\n      - select: {kind: ConfigMap}\n"
                     "        fieldPaths: ['data.[x]']\n", "cm.yaml": CM + "data: {x: y}\n"})
    _build(tmp)


def path_error(tmp: Path) -> None:
    write_tree(tmp, {"kustomization.yaml": "resources: [cm.yaml]\nreplacements:\n  - source: {kind: ConfigMap, "
                     "name: cm, fieldPath: metadata.name}\n    targets:\n      - select: {kind: ConfigMap}\n"
                     "        fieldPaths: [data.x.y]\n", "cm.yaml": CM + "data: {x: y}\n"})
    _build(tmp)


def wrong_node_kind(tmp: Path) -> None:
    write_tree(tmp, {"kustomization.yaml": "resources: [d.yaml]\nimages: [{name: nginx, newTag: '2'}]\n",
                     "d.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n"
                               "    spec:\n      containers:\n        - name: a\n          image: [nginx]\n"})
    _build(tmp)


def patch_error(tmp: Path) -> None:
    write_tree(tmp, {"kustomization.yaml": "resources: [cm.yaml]\npatches:\n  - path: p.yaml\n"
                     "    target: {kind: ConfigMap}\n", "cm.yaml": CM,
                     "p.yaml": "- op: remove\n  path: /data/nope\n"})
    _build(tmp)


def required_value_error(tmp: Path) -> None:
    write_tree(tmp, {"kustomization.yaml": LK + "resources: [cm.yaml.j2]\nvalues: [values.yaml]\n",
                     "values.yaml": "a: 1\n",
                     "cm.yaml.j2": CM + "data:\n  x: {{ values.b | required }}\n"})
    _build(tmp)


def render_limit_error(tmp: Path) -> None:
    write_tree(tmp, {"kustomization.yaml": LK + "resources: [cm.yaml.j2]\nvalues: [values.yaml]\n",
                     "values.yaml": "a: 1\n",
                     "cm.yaml.j2": CM + "data:\n  x: \"{{ 'x' * 100000000 }}\"\n"})
    _build(tmp)


def check_config_error(tmp: Path) -> None:
    from tests.helpers.checks import check_project
    write_tree(tmp, {"lamina.yaml": "apiVersion: lamina.dev/v1alpha1\nkind: Project\nenvironments:\n"
                                    "  - name: prod\nchecks:\n  rules:\n    imag-tag: error\n",
                     "overlays/prod/kustomization.yaml": "resources: [cm.yaml]\n", "overlays/prod/cm.yaml": CM})
    check_project(str(tmp))


def checks_failed(tmp: Path) -> None:
    from lamina.api.render import RenderOptions, render
    write_tree(tmp, {"lamina.yaml": "apiVersion: lamina.dev/v1alpha1\nkind: Project\nenvironments:\n"
                                    "  - name: prod\n",
                     "overlays/prod/kustomization.yaml": "resources: [s.yaml]\n",
                     "overlays/prod/s.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n"
                                             "stringData:\n  password: hunter2hunter2\n"})
    render(RenderOptions(project_dir=str(tmp), check=True))


def diff_error(tmp: Path) -> None:
    from lamina.api.diff import DiffOptions, diff
    write_tree(tmp, {"lamina.yaml": "apiVersion: lamina.dev/v1alpha1\nkind: Project\nenvironments:\n"
                                    "  - name: prod\n",
                     "overlays/prod/kustomization.yaml": "resources: [cm.yaml]\n", "overlays/prod/cm.yaml": CM})
    diff(DiffOptions(project_dir=str(tmp)))


def init_error(tmp: Path) -> None:
    from lamina.api.init import InitOptions, init
    init(InitOptions(directory=str(tmp), mode="rendered"))


def vendor_error(tmp: Path) -> None:
    from lamina.api.vendor import VendorOptions, run_vendor
    write_tree(tmp, {"kustomization.yaml": "resources: [cm.yaml]\n", "cm.yaml": CM})
    run_vendor(VendorOptions(project_dir=str(tmp), vendor_dir="../elsewhere"))


def lamina_error(tmp: Path) -> None:
    from lamina.api.history import HistoryOptions, history
    from tests.helpers.git import git
    write_tree(tmp, {"lamina.yaml": "apiVersion: lamina.dev/v1alpha1\nkind: Project\nenvironments:\n"
                                    "  - name: prod\n",
                     "overlays/prod/kustomization.yaml": "resources: [cm.yaml]\n", "overlays/prod/cm.yaml": CM})
    git(tmp, "init", "-q")
    history(HistoryOptions(project_dir=str(tmp), environment="prod"))


def _git_project(tmp: Path) -> None:
    from tests.helpers.git import git
    write_tree(tmp, {"lamina.yaml": "apiVersion: lamina.dev/v1alpha1\nkind: Project\nenvironments:\n"
                                    "  - name: dev\n  - name: prod\n",
                     "overlays/dev/kustomization.yaml": "resources: [cm.yaml]\n", "overlays/dev/cm.yaml": CM,
                     "overlays/prod/kustomization.yaml": "resources: [cm.yaml]\n", "overlays/prod/cm.yaml": CM})
    git(tmp, "init", "-q")
    git(tmp, "add", "-A")
    git(tmp, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "one")


def git_error(tmp: Path) -> None:
    from lamina.git import Git
    Git(str(tmp)).toplevel()


def target_error(tmp: Path) -> None:
    from lamina.git import Git
    from lamina.publish.target import branch_name
    _git_project(tmp)
    branch_name(Git(str(tmp)), "refs/tags/v1")


def publish_error(tmp: Path) -> None:
    from lamina.api.rollback import RollbackOptions, rollback
    _git_project(tmp)
    rollback(RollbackOptions(environment="prod", to="rendered~1", project_dir=str(tmp)))


def shallow_history_error(tmp: Path) -> None:
    import subprocess
    from lamina.git import Git, deepen
    from tests.helpers.git import git
    _git_project(tmp / "src")
    git(tmp / "src", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q",
        "--allow-empty", "-m", "two")
    subprocess.run(["git", "clone", "-q", "--depth", "1", (tmp / "src").as_uri(), str(tmp / "c")],
                   check=True, capture_output=True)
    git(tmp / "c", "remote", "remove", "origin")
    deepen(Git(str(tmp / "c")), None)


def promote_error(tmp: Path) -> None:
    from lamina.project.promote import plan
    _git_project(tmp)
    plan(str(tmp), "dev", "dev")


def edit_error(tmp: Path) -> None:
    from lamina.project.yamledit import set_path
    set_path("images:\n  - name: web\n    newTag: [1\n", ["images"], [], "overlays/prod/kustomization.yaml")


def lock_timeout(tmp: Path) -> None:
    from lamina.project.outlock import output_lock
    with output_lock(str(tmp / "rendered"), timeout=0):
        with output_lock(str(tmp / "rendered"), timeout=0):
            pass


def path_refused(tmp: Path) -> None:
    from lamina.fsguard import check_name
    check_name("../prod", "environment name")


def write_fault(tmp: Path) -> None:
    from lamina.fsguard import Folder
    write_tree(tmp, {"rendered/prod": "a file where a folder belongs\n"})
    Folder(str(tmp / "rendered"), "rendered").write("prod/configmap.yaml", CM)


def output_error(tmp: Path) -> None:
    from lamina.project.writer import recover
    write_tree(tmp, {"rendered/.lamina-journal.json": "{not json\n",
                     "rendered/.lamina-manifest.json": "{not json\n"})
    recover(str(tmp / "rendered"))


def policy_error(tmp: Path) -> None:
    from tests.helpers.checks import check_project
    write_tree(tmp, {"lamina.yaml": "apiVersion: lamina.dev/v1alpha1\nkind: Project\nenvironments:\n"
                                    "  - name: prod\npolicies: [policys]\n",
                     "policies/p.yaml": CM,
                     "overlays/prod/kustomization.yaml": "resources: [cm.yaml]\n", "overlays/prod/cm.yaml": CM})
    check_project(str(tmp))


def missing_engine(tmp: Path) -> None:
    import sys
    from unittest import mock
    from lamina.policies import gatekeeper
    with mock.patch.dict(sys.modules, {"regorus": None}):
        gatekeeper._regorus()


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
    "ResourceError": (resource_error, True),
    "NotSupportedError": (not_supported_error, True),
    "FieldPathError": (field_path_error, True),
    "PathError": (path_error, True),
    "WrongNodeKind": (wrong_node_kind, True),
    "PatchError": (patch_error, True),
    "RequiredValueError": (required_value_error, True),
    "RenderLimitError": (render_limit_error, True),
    "CheckConfigError": (check_config_error, True),
    "ChecksFailed": (checks_failed, False),
    "DiffError": (diff_error, False),
    "InitError": (init_error, False),
    "VendorError": (vendor_error, False),
    "LaminaError": (lamina_error, False),
    "GitError": (git_error, False),
    "TargetError": (target_error, False),
    "PublishError": (publish_error, False),
    "ShallowHistoryError": (shallow_history_error, False),
    "PromoteError": (promote_error, False),
    "EditError": (edit_error, True),
    "LockTimeout": (lock_timeout, False),
    "PathRefused": (path_refused, False),
    "WriteFault": (write_fault, False),
    "OutputError": (output_error, False),
    "PolicyError": (policy_error, True),
    "MissingEngine": (missing_engine, False),
}
# Classes that never reach the user as themselves: the code that catches them re-raises
# them as the class named here, with their words inside.
SURFACES_AS = {"PathError": "ResourceError", "WrongNodeKind": "ResourceError",
               "FieldPathError": "ResourceError",
               "RequiredValueError": "TemplateError"}

# Error classes without a scenario here yet (each is raised; its messages are covered by
# their own modules' tests). A new error class must be added to SCENARIOS or to this list.
NOT_YET_WALKED: set[str] = set()


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
    assert type(exc).__name__ == SURFACES_AS.get(name, name), str(exc)
    text = str(exc)
    if has_line:
        assert exc.source is not None and exc.source.line is not None, text
        assert re.match(r"[\w./-]+\.(yaml|j2|yml):\d+", text), text
    assert REMEDY.search(exc.message.split("\n  (kustomize:")[0]), text
