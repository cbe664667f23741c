"""Start-up: `lamina build` of a plain Kustomize tree imports only what that build needs.

Import time is most of what a small build costs (a one-resource tree builds in about a
millisecond once everything is imported), so these tests pin down which modules such a
build must not load: other subcommands, the template engine, the checks, and standard
modules that only some builds use (those are imported where they are used). Speed itself
is measured by benchmarks/run.py, not here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from lamina.cli.main import COMMANDS
from tests.helpers.cli import run_lamina
from tests.helpers.trees import write_tree

# Runs one build in a fresh interpreter and writes the names of the modules it imported
# (not those the interpreter had already loaded, by a sitecustomize say), one a line.
_PROBE = """
import sys
before = set(sys.modules)
directory, report = sys.argv[1], sys.argv[2]
sys.argv = ["lamina", "build", directory]
from lamina.cli.main import main
try:
    main()
except SystemExit as exc:
    if exc.code:
        raise
names = sorted(set(sys.modules) - before)
with open(report, "w", encoding="utf-8") as fh:
    fh.write("\\n".join(names))
"""

CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n"
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: c
        image: nginx
"""
PATCH = DEPLOYMENT.replace("image: nginx", "image: nginx:2")

# Never needed by `lamina build` of a Kustomize-dialect tree.
HEAVY = (
    "jinja2", "jsonschema", "kubernetes_validate", "referencing",
    "lamina.templates", "lamina.checks", "lamina.project", "lamina.publish", "lamina.diff",
    "lamina.explain", "lamina.report",
    "lamina.cli.render", "lamina.cli.check", "lamina.cli.diff", "lamina.cli.publish",
    "lamina.cli.explain", "lamina.cli.values",
)
# Needed only by some builds (generators, hash suffixes, vars, large files, custom
# schemas, output files, documents with lamina's own types), so imported where used.
ONLY_SOME_BUILDS = (
    "lamina.generators.configmap", "lamina.generators.absorb", "lamina.generators.helm_chart",
    "lamina.transformers.replacements", "lamina.patch.strategic", "lamina.patch.json6902",
    "lamina.kustomize.base_cache",
    "importlib.resources", "pathlib", "tempfile", "hashlib", "pickle", "decimal", "json",
    "subprocess", "zipfile",
)


def _modules_after_build(directory: Path, tmp_path: Path) -> tuple[set[str], str]:
    report = tmp_path / "modules.txt"
    proc = subprocess.run([sys.executable, "-c", _PROBE, str(directory), str(report)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return set(report.read_text(encoding="utf-8").splitlines()), proc.stdout


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_one_resource_build_imports_nothing_it_does_not_need(tmp_path: Path) -> None:
    tree = tmp_path / "one"
    write_tree(tree, {"kustomization.yaml": "resources:\n- cm.yaml\n", "cm.yaml": CONFIGMAP})
    modules, out = _modules_after_build(tree, tmp_path)
    assert out == "apiVersion: v1\ndata:\n  k: v\nkind: ConfigMap\nmetadata:\n  name: a\n"
    assert _loaded(modules, HEAVY) == []
    assert _loaded(modules, ONLY_SOME_BUILDS) == [], (
        "import these where they are used: a plain build does not need them")


def test_one_patch_build_imports_no_heavy_module(tmp_path: Path) -> None:
    # A strategic-merge patch reads the builtin OpenAPI data, but as a JSON file only:
    # kubernetes_validate (and jsonschema with it) must not be imported.
    tree = tmp_path / "patch"
    write_tree(tree, {"kustomization.yaml": "resources:\n- d.yaml\npatches:\n- path: p.yaml\n",
                      "d.yaml": DEPLOYMENT, "p.yaml": PATCH})
    modules, out = _modules_after_build(tree, tmp_path)
    assert out == PATCH.replace("- name: c\n        image: nginx:2",
                                "- image: nginx:2\n        name: c")
    assert _loaded(modules, HEAVY) == []
    assert "lamina.patch.strategic" in modules


def test_help_lists_every_command_with_its_short_help() -> None:
    proc = run_lamina("--help")
    assert proc.returncode == 0, proc.stderr
    listed = proc.stdout.split("Commands:\n", 1)[1].splitlines()
    assert [line.split()[0] for line in listed] == sorted(COMMANDS)
    assert "  build     Build the kustomization in DIRECTORY." in listed
    assert all(len(line.split(None, 1)) == 2 for line in listed), listed


def test_unknown_command_still_suggests_a_close_name() -> None:
    proc = run_lamina("bui")
    assert proc.returncode == 2
    assert "No such command 'bui'. Did you mean 'build'?" in proc.stderr
