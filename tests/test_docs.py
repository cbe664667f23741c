"""The examples in the docs run: every `lamina ...` line of a ```sh block in docs/commands
(synopsis lines with [options] and pushes to a remote aside) runs against a copy of the
example repository and must succeed."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from tests.helpers.cli import run_lamina
from tests.helpers.git import git

REPO = Path(__file__).resolve().parent.parent
DOCS = sorted((REPO / "docs" / "commands").glob("*.md"))
ORDER = ["build.md", "values.md", "check.md", "render.md", "diff.md", "publish.md"]


def _examples() -> list[tuple[str, str]]:
    out = []
    for doc in sorted(DOCS, key=lambda p: ORDER.index(p.name) if p.name in ORDER else 99):
        for block in re.findall(r"```sh\n(.*?)```", doc.read_text(), re.S):
            for line in block.splitlines():
                line = line.split("#", 1)[0].strip()
                placeholder = re.search(r"(^| )[A-Z][A-Z./_-]+( |$)", line)
                if line.startswith("lamina ") and "[" not in line and "--push" not in line \
                        and not placeholder:
                    out.append((doc.name, line))
    return out


def test_docs_have_examples() -> None:
    assert len(_examples()) >= 8


def test_every_example_runs(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(REPO / "bases", root / "bases")
    shutil.copytree(REPO / "overlays", root / "overlays")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "example")
    failures = []
    for doc, line in _examples():
        args = shlex.split(line)[1:]
        args = [str(tmp_path / a[5:]) if a.startswith("/tmp/") else a for a in args]
        if args[0] == "rollback":
            run_lamina("publish", cwd=root)
            git(root, "commit", "-q", "--allow-empty", "-m", "touch")
            (root / "overlays/prod/values.yaml").write_text(
                (root / "overlays/prod/values.yaml").read_text() + "\n# changed\n")
            git(root, "commit", "-qam", "change prod")
            run_lamina("publish", cwd=root)
        proc = run_lamina(*args, cwd=root)
        if proc.returncode != 0:
            failures.append(f"{doc}: {line}: {proc.stderr.strip()[:300]}")
    assert not failures, "\n".join(failures)
