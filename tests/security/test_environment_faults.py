"""Row: a full disk or a read-only output folder is reported as "internal error ... This is
a bug". The environment's faults (ENOSPC, EROFS, EACCES) during render, build -o and publish
staging end in one message naming the path and the cause, exit 1, and leave nothing
half-written."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers.trees import write_tree
from tests.helpers.security import run

FAULTS = [(errno.ENOSPC, "no space left on the device (ENOSPC)"),
          (errno.EROFS, "the file system is read-only (EROFS)"),
          (errno.EACCES, "permission denied (EACCES)")]


def _invoke(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str):
    from lamina.cli.main import cli
    monkeypatch.chdir(root)
    monkeypatch.delenv("LAMINA_DEBUG", raising=False)
    return CliRunner().invoke(cli, list(args))


def _files(top: Path) -> dict[str, bytes]:
    return {str(p.relative_to(top)): p.read_bytes() for p in top.rglob("*") if p.is_file()}


def _refuse_creating_under(monkeypatch: pytest.MonkeyPatch, top: Path, code: int) -> None:
    """The write primitive fails as the disk would: any file created below `top`."""
    real_open, real_mkdir = os.open, os.mkdir
    prefix = str(top)

    def fake_open(path, flags, *rest, **kw):
        if str(path).startswith(prefix) and flags & os.O_CREAT:
            raise OSError(code, os.strerror(code), str(path))
        return real_open(path, flags, *rest, **kw)

    def fake_mkdir(path, *rest, **kw):
        if str(path).startswith(prefix):
            raise OSError(code, os.strerror(code), str(path))
        return real_mkdir(path, *rest, **kw)
    monkeypatch.setattr(os, "open", fake_open)
    monkeypatch.setattr(os, "mkdir", fake_mkdir)


@pytest.mark.parametrize("code,cause", FAULTS)
def test_render_into_a_failing_disk_says_path_and_cause_and_leaves_the_old_tree(
        repo: Path, monkeypatch: pytest.MonkeyPatch, code: int, cause: str) -> None:
    assert run(repo, "render", "--no-checks").returncode == 0
    before = _files(repo / "rendered")
    write_tree(repo, {"base/deploy.yaml": (repo / "base/deploy.yaml").read_text()
                      .replace("nginx:1.25", "nginx:1.27")})
    _refuse_creating_under(monkeypatch, repo / "rendered", code)
    result = _invoke(repo, monkeypatch, "render", "--no-checks", "--jobs", "1")
    assert result.exit_code == 1
    assert "internal error" not in result.output and "bug" not in result.output
    assert result.output.startswith("Error: rendered/"), result.output
    assert cause in result.output
    monkeypatch.undo()
    assert _files(repo / "rendered") == before          # nothing half-written, nothing lost


@pytest.mark.parametrize("code,cause", FAULTS)
def test_a_first_render_into_a_failing_disk_leaves_no_folder_behind(
        repo: Path, monkeypatch: pytest.MonkeyPatch, code: int, cause: str) -> None:
    (repo / "rendered").mkdir()
    _refuse_creating_under(monkeypatch, repo / "rendered", code)
    result = _invoke(repo, monkeypatch, "render", "--no-checks")
    assert result.exit_code == 1 and cause in result.output, result.output
    monkeypatch.undo()
    assert list((repo / "rendered").iterdir()) == []


@pytest.mark.parametrize("code,cause", FAULTS)
def test_a_failing_journal_write_discards_what_was_staged(
        repo: Path, monkeypatch: pytest.MonkeyPatch, code: int, cause: str) -> None:
    assert run(repo, "render", "--no-checks").returncode == 0
    before = _files(repo / "rendered")
    write_tree(repo, {"base/deploy.yaml": (repo / "base/deploy.yaml").read_text()
                      .replace("nginx:1.25", "nginx:1.27")})
    real_replace = os.replace

    def fake_replace(src, dst, *rest, **kw):
        if str(dst).endswith(".lamina-journal.json"):
            raise OSError(code, os.strerror(code), str(dst))
        return real_replace(src, dst, *rest, **kw)
    monkeypatch.setattr(os, "replace", fake_replace)
    result = _invoke(repo, monkeypatch, "render", "--no-checks", "--jobs", "1")
    assert result.exit_code == 1 and cause in result.output, result.output
    assert "rendered/.lamina-journal.json" in result.output
    monkeypatch.undo()
    assert _files(repo / "rendered") == before


@pytest.mark.parametrize("code,cause", FAULTS)
def test_build_o_into_a_failing_disk(repo: Path, monkeypatch: pytest.MonkeyPatch, code: int,
                                     cause: str) -> None:
    (repo / "out").mkdir()
    _refuse_creating_under(monkeypatch, repo / "out", code)
    result = _invoke(repo, monkeypatch, "build", "overlays/dev", "-o", "out")
    assert result.exit_code == 1 and cause in result.output, result.output
    assert result.output.startswith("Error: out/"), result.output
    monkeypatch.undo()
    assert list((repo / "out").iterdir()) == []


@pytest.mark.parametrize("code,cause", FAULTS)
def test_publish_staging_on_a_failing_disk(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path, code: int, cause: str) -> None:
    """publish stages blobs in a temporary folder: a full temp disk is one clear message."""
    from tests.helpers.git import git
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "src")
    staging = tmp_path / "tmp"
    staging.mkdir()
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(staging))
    _refuse_creating_under(monkeypatch, staging, code)
    result = _invoke(repo, monkeypatch, "publish", "--branch", "rendered")
    assert result.exit_code == 1, result.output
    assert cause in result.output and "bug" not in result.output, result.output
    assert str(staging) in result.output


def test_a_file_where_the_output_needs_a_folder_is_one_clear_message(repo: Path) -> None:
    """Real, not simulated (root ignores chmod): the folder lamina must write is a file."""
    assert run(repo, "render", "--no-checks").returncode == 0
    folder = repo / "rendered" / "dev" / "shop-dev"
    for child in folder.iterdir():
        child.unlink()
    folder.rmdir()
    folder.write_text("in the way\n")
    (repo / "rendered" / ".lamina-ledger.json").write_text('{"files": []}\n')
    proc = run(repo, "render", "--all", "--no-checks")
    assert proc.returncode == 1
    assert proc.stderr.startswith("Error: rendered/dev/shop-dev"), proc.stderr
    assert "Traceback" not in proc.stderr and "bug" not in proc.stderr


def test_a_real_unwritable_output_folder(repo: Path, tmp_path: Path) -> None:
    """Real: the output's parent is a file (ENOTDIR/EEXIST whatever the user's rights)."""
    blocker = tmp_path / "blocker"
    blocker.write_text("a file\n")
    proc = run(repo, "render", "--no-checks", "-o", str(blocker / "out"), "--output-outside-repo")
    assert proc.returncode == 1, proc.stderr
    assert str(blocker) in proc.stderr and "bug" not in proc.stderr, proc.stderr
    assert blocker.read_text() == "a file\n"
