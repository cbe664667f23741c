"""What lamina does differently on a terminal: a progress line for slow work, colour in
check output (NO_COLOR honoured), the pager for a tall diff (--no-pager), completion, and
the examples and docs page at the end of every --help."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from lamina.cli import progress as progress_module
from lamina.cli.main import COMMANDS, cli
from tests.helpers.trees import write_tree
from tests.helpers.git import git


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_line_appears_after_the_delay_and_is_erased(monkeypatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(progress_module, "DELAY", 0.05)
    monkeypatch.setattr(progress_module, "INTERVAL", 0.02)
    out = Tty()
    with progress_module.progress("rendering...", out) as report:
        report("rendering 3 environments...")
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline:      # busy work, as a render is
            sum(range(1000))
    text = out.getvalue()
    assert "rendering 3 environments..." in text and text.endswith("\r\033[K")


def test_quick_work_prints_nothing(monkeypatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    out = Tty()
    with progress_module.progress("rendering...", out):
        pass
    assert out.getvalue() == ""


@pytest.mark.parametrize("ci, stream", [("true", Tty()), ("", io.StringIO())])
def test_no_progress_in_ci_or_when_not_a_terminal(monkeypatch, ci: str, stream) -> None:
    monkeypatch.setenv("CI", ci) if ci else monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(progress_module, "DELAY", 0.0001)
    with progress_module.progress("rendering...", stream):
        time.sleep(0.05)
    assert stream.getvalue() == ""


def run_on_terminal(args: list[str], cwd: Path, **env: str) -> str:
    """Run lamina with stdin, stdout and stderr on a pseudo-terminal; return what it showed."""
    master, slave = pty.openpty()
    full_env = {**os.environ, "LINES": "10", "COLUMNS": "100", **env}
    for key in ("NO_COLOR", "CI"):
        if key not in env:
            full_env.pop(key, None)
    proc = subprocess.Popen([sys.executable, "-m", "lamina.cli.main", *args], cwd=cwd,
                            stdin=slave, stdout=slave, stderr=slave, env=full_env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait()
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


PROJECT = {
    "overlays/dev/kustomization.yaml": "resources: [deploy.yaml]\n",
    "overlays/dev/deploy.yaml": """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:latest
""",
}


def colours(text: str) -> bool:
    return any(code in text for code in ("\033[31m", "\033[33m", "\033[0m"))


def test_check_is_coloured_on_a_terminal_unless_no_color(tmp_path: Path) -> None:
    write_tree(tmp_path, PROJECT)
    coloured = run_on_terminal(["check"], tmp_path)
    assert "\033[33mwarning\033[0m" in coloured or "\033[31merror\033[0m" in coloured
    plain = run_on_terminal(["check"], tmp_path, NO_COLOR="1")
    assert not colours(plain) and "image-tag" in plain
    flag = run_on_terminal(["check", "--no-color"], tmp_path)
    assert not colours(flag)
    piped = subprocess.run([sys.executable, "-m", "lamina.cli.main", "check"], cwd=tmp_path,
                           capture_output=True, text=True)
    assert "\033[" not in piped.stdout


def test_tall_diff_goes_through_the_pager_unless_no_pager(tmp_path: Path) -> None:
    write_tree(tmp_path, PROJECT)
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "one")
    deploy = tmp_path / "overlays/dev/deploy.yaml"
    deploy.write_text(deploy.read_text().replace("spec:\n  selector", "spec:\n  replicas: 2\n"
                      "  minReadySeconds: 5\n  revisionHistoryLimit: 3\n  selector")
                      .replace("image: nginx:latest", "image: nginx:1.27\n        args: [a, b, c, d]"))
    pager = "sed 's/^/paged: /'"
    paged = run_on_terminal(["diff", "--base", "HEAD", "--no-color"], tmp_path,
                            LAMINA_PAGER=pager)
    assert "paged: " in paged and "replicas" in paged
    direct = run_on_terminal(["diff", "--base", "HEAD", "--no-color", "--no-pager"], tmp_path,
                             LAMINA_PAGER=pager)
    assert "paged: " not in direct and "replicas" in direct


@pytest.mark.parametrize("shell, marker", [("bash", "complete -o nosort -F"),
                                           ("zsh", "#compdef lamina"),
                                           ("fish", "complete --no-files --command lamina")])
def test_completion_scripts(shell: str, marker: str) -> None:
    result = CliRunner().invoke(cli, ["completion", shell])
    assert result.exit_code == 0 and marker in result.output
    assert "_LAMINA_COMPLETE" in result.output


def test_completion_completes_commands() -> None:
    env = {**os.environ, "_LAMINA_COMPLETE": "bash_complete", "COMP_WORDS": "lamina re",
           "COMP_CWORD": "1"}
    proc = subprocess.run([sys.executable, "-c", "from lamina.cli.main import main; main()"],
                          env=env, capture_output=True, text=True)
    assert "plain,render" in proc.stdout


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_help_ends_with_examples_and_its_docs_page(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    tail = result.output.rstrip().split("Examples:\n", 1)
    assert len(tail) == 2, f"add {name}'s examples to EXAMPLES in lamina/cli/help.py"
    examples = [line for line in tail[1].splitlines() if line.startswith("    lamina ")]
    assert 2 <= len(examples) <= 3, tail[1]
    last = result.output.rstrip().splitlines()[-1].strip()
    assert last.startswith("Docs: https://") and last.endswith(".md")
    page = last.split("/docs/", 1)[1]
    assert (Path(__file__).resolve().parents[2] / "docs" / page).is_file(), page
