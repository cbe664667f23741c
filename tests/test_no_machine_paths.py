"""The tree holds no absolute path of any developer's or CI's machine.

A path such as a venv's bin folder, a home folder or a scratch folder of one machine makes the
suite pass there and fail everywhere else (the test suite once found its kubectl that way).
Tests reach tools through the fixtures of tests/conftest.py, and files through tmp_path.

What counts: paths under a home folder (/root, /home, /Users, C:\\Users), under this project's
machines' layout (/work), under a temporary folder with a specific name (/tmp/<name>, macOS'
/var/folders, /private/var), and any absolute path through a Python environment (venv, .venv,
.pyenv, site-packages, ...). What does not: /dev/null, interpreters in shebang lines, URLs,
and paths inside containers that Kubernetes manifests spell (mountPath: /tmp, /etc/config,
/tmp/k8s-webhook-server/...).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("tests", "src", "benchmarks", "docs", ".ci", "README.md", "pyproject.toml")
SKIPPED_DIRS = {"__pycache__", ".hypothesis", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
SUFFIXES = {".py", ".md", ".txt", ".toml", ".cfg", ".ini", ".yaml", ".yml", ".json", ".j2",
            ".sh", ".tsv", ".csv", ".ambr", ""}

# An absolute path starts a token: not inside a URL, a relative path or a word.
_START = r"(?<![\w.~$:/\\-])"
_SEGMENT = r"[^\s/'\"`)\]}>,;:]+"
_MACHINE = re.compile(
    _START + "(?:"
    r"/(?:root|home|Users|work)/" + _SEGMENT                 # homes, this project's machines
    + r"|/tmp/" + _SEGMENT                                     # a named temporary folder
    + r"|/(?:private/)?var/folders/"                           # macOS temporary folders
    + r"|/(?:[^\s/'\"`]+/)*?(?:venvs?|\.venv|\.virtualenvs|\.pyenv|site-packages|dist-packages"
    + r"|miniconda3|anaconda3)(?=/)"                           # a Python environment
    + r"|[A-Za-z]:\\\\?Users\\\\?" + r")",                     # Windows homes
)
# Container paths of Kubernetes conventions, written in test manifests.
_CONTAINER = re.compile(r"/tmp/k8s-webhook-server/")


def _files() -> list[Path]:
    found: list[Path] = []
    for name in SCANNED:
        top = ROOT / name
        if top.is_file():
            found.append(top)
            continue
        for path in sorted(top.rglob("*")) if top.is_dir() else []:
            if path.is_file() and path.suffix in SUFFIXES and SKIPPED_DIRS.isdisjoint(path.parts) \
                    and path != Path(__file__).resolve():
                found.append(path)
    return found


def machine_paths(text: str) -> list[tuple[int, str]]:
    """(line number, path) of every absolute path of a machine in `text`."""
    hits = []
    for number, line in enumerate(text.splitlines(), 1):
        for match in _MACHINE.finditer(line):
            if not _CONTAINER.match(line, match.start()):
                hits.append((number, match.group(0)))
    return hits


def test_no_file_holds_an_absolute_path_of_a_machine() -> None:
    found = []
    for path in _files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        found += [f"{path.relative_to(ROOT)}:{n}: {hit}" for n, hit in machine_paths(text)]
    assert not found, ("absolute paths of a machine (use a fixture of tests/conftest.py, "
                       "tmp_path, or a path relative to the repository):\n" + "\n".join(found))


@pytest.mark.parametrize("line", [
    'KUBECTL = "/work/venv/bin/kubectl"',
    "    /root/.pyenv/versions/3.11.7/bin/python x.py",
    "cd /home/ana/lamina && pytest",
    "open('/Users/ana/x.yaml')",
    'shutil.which("kubectl", path="/opt/tools/venv/bin")',
    "see /usr/local/lib/python3.11/site-packages/lamina",
    "out = '/tmp/pytest-of-root/pytest-3/x'",
    "git clone . '/tmp/fresh copy/lamina'",
    "/var/folders/xy/T/tmpab12",
    r"C:\Users\ana\lamina",
])
def test_machine_paths_are_found(line: str) -> None:
    assert machine_paths(line)


@pytest.mark.parametrize("line", [
    "#!/usr/bin/env python3",
    "#!/bin/sh",
    "proc = run(cmd, stdout=open('/dev/null', 'w'))",
    "see https://github.com/home/work/tmp/x and file bases/home/x.yaml",
    "        mountPath: /tmp",
    "        volumeMounts: [{name: cert, mountPath: /tmp/k8s-webhook-server/serving-certs}]",
    "        mountPath: /etc/config",
    "python -m venv .venv && .venv/bin/pip install -e '.[test]'",
    "the kubectl beside sys.executable (<venv>/bin/kubectl)",
    "~/work/lamina and $HOME/tmp/x and ./tmp/y",
])
def test_legitimate_paths_are_allowed(line: str) -> None:
    assert machine_paths(line) == []
