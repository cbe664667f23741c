"""Broken lamina-dialect trees, one mistake at a time: the dialect's own keys, missing values
files and templates, template mistakes, and lamina.yaml keys. Each `lamina render` (three
environments) must fail with one message naming the environment, the file from the project
root, the line of the mistake (in the template, not in its output), and what to do."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.helpers.broken import Break, assert_names_place, write_broken
from tests.helpers.cli import run_lamina

BK = "bases/app/kustomization.yaml"
PK = "overlays/prod/kustomization.yaml"
T = "bases/app/settings.yaml.j2"
MISSING = r"does not exist: fix the entry or add the file"

CASES = {
    # the dialect's keys
    "values key typo": Break(PK, "values:", "value:", "value:", 'did you mean "values"\\?'),
    "valuesSchema key typo": Break(BK, "values:", "valueSchema: s.json\nvalues:", "valueSchema:",
                                   'did you mean "valuesSchema"\\?'),
    "values without the lamina apiVersion": Break(
        PK, "apiVersion: lamina.dev/v1alpha1\nkind: Kustomization\n", "", "values:",
        "is a lamina field: set apiVersion: lamina.dev/v1alpha1"),
    # missing files of the dialect
    "values file": Break(PK, "- values.yaml", "- values-prod.yaml", "values-prod.yaml", MISSING),
    "values file deleted": Break("overlays/prod/values.yaml", None, "", "values.yaml", MISSING, at=PK),
    "valuesSchema file": Break(BK, "values:", "valuesSchema: schema.json\nvalues:", "schema.json",
                               MISSING),
    "template": Break(BK, "- settings.yaml.j2", "- setings.yaml.j2", "setings.yaml.j2",
                      r"does not exist: fix the entry or add the file or folder"),
    # template mistakes, at the template's line
    "undefined value": Break(T, "values.db.url", "values.db.uri", "values.db.uri",
                             r"missing value db\.uri; did you mean db\.url\? \(values files "
                             r"consulted: bases/app/values\.yaml, overlays/dev/values\.yaml\)"),
    "undefined top-level value": Break(T, "values.cache", "values.cahce", "values.cahce",
                                       r"did you mean cache\?"),
    "unclosed expression": Break(T, '"{{ values.cache }}"', '"{{ values.cache }"', "values.cache }",
                                 r"template syntax error: .*check the \{\{ \}\} and \{% %\} tags"),
    "unclosed block": Break(T, "data:", "{% for x in values.replicas %}\ndata:", "{% for",
                           r"the \{% for %\} on this line is never closed; add \{% endfor %\}"),
    "unknown filter": Break(T, "{{ values.cache }}", "{{ values.cache | upper_case }}", "upper_case",
                            r"No filter named 'upper_case'\. Did you mean 'upper'\?"),
    "wrong type": Break(T, "{{ values.replicas }}", "{{ values.replicas + 'x' }}", "+ 'x'",
                        r"a value has the wrong type for this expression .*check the types"),
    "include of a missing template": Break(T, "data:", '{% include "missing.j2" %}\ndata:',
                                           "{% include", r"cannot include.*define what you share"),
    "import of a macro file": Break(T, "data:", '{% import "macros.j2" as m %}\ndata:', "{% import",
                                    r"cannot include.*\{% macro %\}"),
    "output that is not YAML": Break(T, "  CACHE:", "  X: [\n  CACHE:", "X: [",
                                     r"rendered template is not valid YAML"),
    "an unclosed flow mapping in the output": Break(
        T, "  REPLICAS:", "  EXTRA: {a: 1\n  REPLICAS:", "EXTRA: {", r"not valid YAML"),
    "a duplicate key in the output": Break(T, "  CACHE:", "  REPLICAS: x\n  CACHE:", "REPLICAS: \"",
                                           r"repeats the key 'REPLICAS'"),
}

PROJECT_CASES = {
    "environment key typo": Break("lamina.yaml", "allowPlaintextSecrets", "allowPlaintextSecret",
                                  "allowPlaintextSecret", r"did you mean 'allowPlaintextSecrets'\?"),
    "top-level key typo": Break("lamina.yaml", "environments:", "environment:", "environment:",
                                r"did you mean 'environments'\?"),
    "output key typo": Break("lamina.yaml", "kind: Project\n", "kind: Project\noutput:\n  dirr: out\n",
                             "dirr:", r"did you mean 'dir'\?"),
    "markers not a list": Break("lamina.yaml", "  - name: prod\n",
                                "  - name: prod\n    markers: {prd: true}\n", "{prd",
                                r"markers must be a list of strings"),
    "hosts typo": Break("lamina.yaml", "  - name: prod\n", "  - name: prod\n    host: [a.example.com]\n",
                        "host:", r"did you mean 'hosts'\?"),
    "overlay missing": Break("lamina.yaml", "  - name: prod\n", "  - name: prod\n    overlay: overlays/prd\n",
                             "overlay:", r"overlays/prd"),
}


def _render_error(tmp_path: Path, case: Break) -> tuple[str, dict[str, str], Path]:
    root, files = write_broken(tmp_path / "p", case, "lamina")
    proc = run_lamina("render", cwd=root)
    assert proc.returncode == 1, proc.stderr
    assert not (root / "rendered").exists()
    return proc.stderr, files, root


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_dialect_or_template_mistake_is_named_at_its_line(tmp_path: Path, case: str) -> None:
    stderr, files, root = _render_error(tmp_path, CASES[case])
    env = "prod" if CASES[case].file.startswith("overlays/prod") else "dev"
    assert_names_place(stderr, CASES[case], files, env, root)


@pytest.mark.parametrize("case", sorted(PROJECT_CASES))
def test_a_lamina_yaml_mistake_is_named_at_its_line(tmp_path: Path, case: str) -> None:
    stderr, files, root = _render_error(tmp_path, PROJECT_CASES[case])
    assert_names_place(stderr, PROJECT_CASES[case], files, None, root)


def test_build_of_one_overlay_names_the_values_files_from_the_project_root(tmp_path: Path) -> None:
    case = dataclasses.replace(CASES["undefined value"], says=r"missing value db\.uri")
    root, files = write_broken(tmp_path / "p", case, "lamina")
    proc = run_lamina("build", "overlays/prod", cwd=root)
    assert proc.returncode == 1
    assert "(values files consulted: bases/app/values.yaml, overlays/prod/values.yaml)" in proc.stderr
    assert_names_place(proc.stderr, case, files, None, root)
