"""Held-out-style trees for the lamina dialect, run through the CLI: YAML in, YAML out.

Every error case must be one line naming file:line, with exit status 1 and no traceback.
"""

from __future__ import annotations

from pathlib import Path

import subprocess
import sys

import pytest

from tests.conftest import write_tree

LK = "apiVersion: lamina.dev/v1alpha1\nkind: Kustomization\n"
CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n"


def run(*args: str, cwd: Path | None = None) -> tuple[int, str]:
    """Exit status and stdout, or stderr when the command failed."""
    proc = subprocess.run([sys.executable, "-m", "lamina.cli.main", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)
    return proc.returncode, proc.stdout if proc.returncode == 0 else proc.stderr


def single(tmp_path: Path, template: str, values: str = "a: 1\n") -> Path:
    return write_tree(tmp_path, {"kustomization.yaml": LK + "resources: [r.yaml.j2]\nvalues: [values.yaml]\n",
                                 "values.yaml": values, "r.yaml.j2": template})


def assert_one_line_error(code: int, out: str, *needles: str) -> None:
    assert code == 1, out
    lines = out.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out and "internal error" not in out, out
    for needle in needles:
        assert needle in out, out


@pytest.mark.parametrize("expr", ["values.a | nosuchfilter", "values.a is nosuchtest"])
def test_unknown_filter_or_test_is_a_template_error_with_line(tmp_path: Path, expr: str) -> None:
    tree = single(tmp_path, CM + "data:\n  x: '{{ " + expr + " }}'\n")
    assert_one_line_error(*run("build", str(tree)), "r.yaml.j2:6", "nosuch")


LOOP_HEADER = "{% for x in values.n %}\n# {{ x }}\n{% endfor %}\n"


def test_yaml_the_kustomize_reader_refuses_is_reported_at_the_template_line(tmp_path: Path) -> None:
    # PyYAML accepts `[x?y]`; Kustomize's parser does not. The loop makes rendered lines
    # differ from template lines: the error must name the template's line 9, not line 13.
    tree = single(tmp_path, LOOP_HEADER + CM + "data:\n  a: [x?y]\n", "n: [a, b, c]\n")
    assert_one_line_error(*run("build", str(tree)), "r.yaml.j2:9", "rendered line 13")
