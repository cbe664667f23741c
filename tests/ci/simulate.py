"""Running the shell of action.yml and of the GitLab template as their CI would, against a
scratch repository with a local bare remote: the same variables, `bash -eo pipefail`, and
stand-ins (on PATH) only for what needs the network: `python -m pip` and `gh` / `curl`,
which record their arguments."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.helpers.git import git

REPO = Path(__file__).resolve().parents[2]
_EXPR = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")

_RECORDER = """#!/bin/sh
# Records its arguments (and any --body-file / body@ file) as one JSON line.
log="$FAKE_LOG/{name}.jsonl"
body=""
prev=""
for a in "$@"; do
  case "$prev" in --body-file) body="$a";; esac
  case "$a" in body@*) body="${{a#body@}}";; esac
  prev="$a"
done
# The interpreter's path is quoted: a checkout or venv path may hold spaces.
"{python}" -c 'import json,sys; print(json.dumps({{"args": sys.argv[2:], "body": open(sys.argv[1]).read() if sys.argv[1] else None}}))' "$body" "$@" >> "$log"
"""
_PYTHON = """#!/bin/sh
# `python -m pip ...` is recorded (lamina is already installed); anything else runs.
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then
  printf "%s\\n" "$@" >> "$FAKE_LOG/pip.log"; exit 0   # one argument a line: paths may hold spaces
fi
exec "{python}" "$@"
"""


@dataclass
class Run:
    returncode: int
    output: str
    ran: list[str] = field(default_factory=list)       # step or job names that ran
    log: Path | None = None

    def calls(self, tool: str) -> list[dict[str, Any]]:
        assert self.log is not None
        path = self.log / f"{tool}.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines()]


def fake_bin(tmp: Path) -> tuple[Path, Path]:
    bin_dir, log = tmp / "fake-bin", tmp / "fake-log"
    bin_dir.mkdir(exist_ok=True)
    log.mkdir(exist_ok=True)
    for name in ("gh", "curl"):
        (bin_dir / name).write_text(_RECORDER.format(name=name, python=sys.executable))
    (bin_dir / "python").write_text(_PYTHON.format(python=sys.executable))
    for p in bin_dir.iterdir():
        p.chmod(0o755)
    return bin_dir, log


def base_env(tmp: Path) -> dict[str, str]:
    bin_dir, log = fake_bin(tmp)
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    return {"PATH": os.pathsep.join([str(bin_dir), os.path.dirname(sys.executable),
                                     "/usr/local/bin", "/usr/bin", "/bin"]),
            "HOME": str(home), "FAKE_LOG": str(log), "CI": "true", "LANG": "C.UTF-8",
            "GIT_AUTHOR_NAME": "ci", "GIT_AUTHOR_EMAIL": "ci@example.com",
            "GIT_COMMITTER_NAME": "ci", "GIT_COMMITTER_EMAIL": "ci@example.com",
            "XDG_CACHE_HOME": str(tmp / "cache")}


def clone(tmp: Path, files: dict[str, str], branch: str = "main") -> tuple[Path, Path]:
    """A bare 'origin' holding `files` on main, and a checkout of it on `branch`."""
    seed, remote, work = tmp / "seed", tmp / "origin.git", tmp / "work"
    seed.mkdir()
    git(seed, "init", "-q", "-b", "main")
    for rel, text in files.items():
        (seed / rel).parent.mkdir(parents=True, exist_ok=True)
        (seed / rel).write_text(text)
    git(seed, "add", "-A")
    git(seed, "commit", "-qm", "sources")
    subprocess.run(["git", "clone", "-q", "--bare", str(seed), str(remote)], check=True)
    subprocess.run(["git", "clone", "-q", str(remote), str(work)], check=True)
    if branch != "main":
        git(work, "checkout", "-q", "-b", branch)
    return work, remote


# ---- GitHub: the composite action ------------------------------------------------------

def _evaluate(text: str, context: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        expr = match.group(1)
        if expr not in context:
            raise AssertionError(f"the simulation does not know ${{{{ {expr} }}}}")
        return context[expr]
    return _EXPR.sub(value, text)


def run_action(work: Path, tmp: Path, event: str, ref: str, inputs: dict[str, str] | None = None,
               pr_number: str = "", base_ref: str = "") -> Run:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    runner_temp = tmp / "runner-temp"
    runner_temp.mkdir(exist_ok=True)
    summary, output = tmp / "step-summary.md", tmp / "github-output"
    context = {f"inputs.{k}": str(v.get("default", "")) for k, v in action["inputs"].items()}
    context.update({f"inputs.{k}": v for k, v in (inputs or {}).items()})
    context.update({"github.action_path": str(REPO), "github.token": "ghs_fake",
                    "github.event.pull_request.number": pr_number,
                    "github.event.repository.default_branch": "main",
                    "runner.temp": str(runner_temp)})
    env = base_env(tmp)
    env.update({"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event, "GITHUB_REF": ref,
                "GITHUB_REF_NAME": ref.rsplit("/", 1)[-1], "GITHUB_BASE_REF": base_ref,
                "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(output),
                "GITHUB_WORKSPACE": str(work), "RUNNER_TEMP": str(runner_temp)})
    context["inputs.github-token"] = _evaluate(context["inputs.github-token"], context)
    assert action["runs"]["using"] == "composite"
    ran, out = [], []
    for step in action["runs"]["steps"]:
        name = step.get("name", step.get("uses", ""))
        if "uses" in step:            # actions of GitHub's own (setup-python, upload-sarif)
            continue
        step_env = {**env, **{k: _evaluate(str(v), context) for k, v in step.get("env", {}).items()}}
        cwd = work / _evaluate(step.get("working-directory", "."), context)
        assert step["shell"] == "bash"
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                               _evaluate(step["run"], context)],
                              cwd=cwd, env=step_env, capture_output=True, text=True)
        ran.append(name)
        out.append(f"## {name}\n{proc.stdout}{proc.stderr}")
        if step.get("id") and output.exists():
            for line in output.read_text().splitlines():
                key, _, val = line.partition("=")
                context[f"steps.{step['id']}.outputs.{key}"] = val
        if proc.returncode != 0:
            return Run(proc.returncode, "\n".join(out), ran, Path(env["FAKE_LOG"]))
    return Run(0, "\n".join(out), ran, Path(env["FAKE_LOG"]))


# ---- GitLab: the template's jobs -------------------------------------------------------

def gitlab_template() -> dict[str, Any]:
    return yaml.safe_load((REPO / "ci/gitlab/lamina.gitlab-ci.yml").read_text())


def run_gitlab_job(work: Path, tmp: Path, job: str, variables: dict[str, str]) -> Run:
    template = gitlab_template()
    spec = template[job]
    parent = template.get(spec.get("extends", ""), {})
    lines = list(parent.get("before_script", [])) + list(spec.get("before_script", [])) + \
        list(spec["script"])
    env = base_env(tmp)
    env.update({k: str(v) for k, v in template["variables"].items()})
    env.update({"GITLAB_CI": "true", "CI_PROJECT_DIR": str(work), "CI_JOB_NAME": job,
                "CI_DEFAULT_BRANCH": "main", "CI_SERVER_HOST": "gitlab.example.com",
                "CI_PROJECT_PATH": "acme/shop", "CI_PROJECT_ID": "42",
                "CI_API_V4_URL": "https://gitlab.example.com/api/v4"})
    env.update(variables)
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                           "\n".join(lines)], cwd=work, env=env, capture_output=True, text=True)
    return Run(proc.returncode, proc.stdout + proc.stderr, [job], Path(env["FAKE_LOG"]))
