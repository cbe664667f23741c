"""action.yml and the GitLab template, their shell run as CI runs it (tests/ci/simulate.py):
check and SARIF, the diff in the summary and as comments (split as `diff` splits it),
render, and publishing from the default branch only."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from lamina.project.discover import Proposal
from lamina.project.scaffold import gitignore, project_file, sample_files
from tests.ci.simulate import REPO, clone, gitlab_template, run_action, run_gitlab_job
from tests.helpers.git import git

ENVS = [Proposal(e, f"overlays/{e}") for e in ("dev", "staging", "prod")]


def project(mode: str = "rendered-branch") -> dict[str, str]:
    return {**sample_files(), "lamina.yaml": project_file(ENVS, mode, "rendered", {}, []),
            ".gitignore": gitignore(mode, "rendered")}


def change_prod(work: Path, count: int = 5) -> None:
    path = work / "overlays/prod/kustomization.yaml"
    path.write_text(path.read_text().replace("count: 3", f"count: {count}"))
    git(work, "commit", "-qam", "prod: more replicas")


def remote_has(remote: Path, ref: str) -> bool:
    return subprocess.run(["git", "--git-dir", str(remote), "rev-parse", "--verify", "-q", ref],
                          capture_output=True).returncode == 0


# ---- GitHub Action -----------------------------------------------------------------------

def test_pull_request_checks_diffs_and_comments_without_publishing(tmp_path: Path) -> None:
    work, remote = clone(tmp_path, project(), branch="more-replicas")
    change_prod(work)
    run = run_action(work, tmp_path, "pull_request", "refs/pull/7/merge", pr_number="7",
                     base_ref="main")
    assert run.returncode == 0, run.output
    assert (tmp_path / "fake-log/pip.log").read_text().splitlines()[-1] == str(REPO)
    sarif = json.loads((tmp_path / "runner-temp/lamina.sarif").read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["tool"]["driver"]["name"] == "lamina"
    summary = (tmp_path / "step-summary.md").read_text()
    assert summary.startswith("### lamina diff") and "| prod | 0 | 1 | 0 |" in summary
    comments = run.calls("gh")
    assert [c["args"][:3] for c in comments] == [["pr", "comment", "7"]]
    assert comments[0]["body"] == summary
    assert "nothing to publish" in run.output
    assert not remote_has(remote, "refs/heads/rendered")
    assert (tmp_path / "github-output").read_text() == "status=0\n"


def test_long_diff_is_split_into_several_comments(tmp_path: Path) -> None:
    files = project()
    big = "".join(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: blob-{i}\n"
                  f"data:\n  text: \"{'x' * 4000}\"\n---\n" for i in range(30))
    files["base/blobs.yaml"] = big
    files["base/kustomization.yaml"] = files["base/kustomization.yaml"] + "- blobs.yaml\n"
    work, _remote = clone(tmp_path, files, branch="blobs")
    (work / "base/blobs.yaml").write_text(big.replace("x" * 4000, "y" * 4000))
    git(work, "commit", "-qam", "new blobs")
    run = run_action(work, tmp_path, "pull_request", "refs/pull/8/merge", pr_number="8",
                     base_ref="main")
    assert run.returncode == 0, run.output
    comments = run.calls("gh")
    assert len(comments) >= 2
    assert all(len(c["body"]) < 65536 for c in comments)
    assert comments[1]["body"].startswith("### lamina diff (continued)")
    assert (tmp_path / "step-summary.md").read_text() == "".join(c["body"] for c in comments)


def test_push_to_default_branch_publishes(tmp_path: Path) -> None:
    work, remote = clone(tmp_path, project())
    run = run_action(work, tmp_path, "push", "refs/heads/main")
    assert run.returncode == 0, run.output
    assert "Diff" in run.ran and "not a pull request" in run.output
    assert remote_has(remote, "refs/heads/rendered")
    listing = subprocess.run(["git", "--git-dir", str(remote), "show",
                              "rendered:prod/kustomization.yaml"], capture_output=True, text=True)
    assert "deployment-hello.yaml" in listing.stdout
    assert not list(Path(tmp_path / "fake-log").glob("gh.jsonl"))


def test_push_to_another_branch_does_not_publish(tmp_path: Path) -> None:
    work, remote = clone(tmp_path, project(), branch="feature")
    run = run_action(work, tmp_path, "push", "refs/heads/feature")
    assert run.returncode == 0, run.output
    assert not remote_has(remote, "refs/heads/rendered")


def test_check_errors_fail_the_job_after_the_sarif_is_written(tmp_path: Path) -> None:
    files = project()
    files["base/service.yaml"] = files["base/service.yaml"].replace("targetPort: http",
                                                                    "targetPort: 9999")
    work, remote = clone(tmp_path, files)
    run = run_action(work, tmp_path, "push", "refs/heads/main")
    assert run.returncode == 1
    assert run.ran[-1] == "Render"
    sarif = json.loads((tmp_path / "runner-temp/lamina.sarif").read_text())
    assert any(r["ruleId"] == "service-target-port" for r in sarif["runs"][0]["results"])
    assert "::error" in run.output                       # annotations from --format github
    assert not remote_has(remote, "refs/heads/rendered")


def test_committed_mode_fails_when_rendered_is_stale(tmp_path: Path) -> None:
    files = project("committed")
    work, remote = clone(tmp_path, files)
    subprocess.run([sys.executable, "-m", "lamina.cli.main", "render"], cwd=work, check=True,
                   capture_output=True)
    git(work, "add", "-A")
    git(work, "commit", "-qm", "rendered")
    run = run_action(work, tmp_path, "push", "refs/heads/main", inputs={"mode": "committed"})
    assert run.returncode == 0, run.output
    assert not remote_has(remote, "refs/heads/rendered")
    change_prod(work)
    run = run_action(work, tmp_path, "push", "refs/heads/main", inputs={"mode": "committed"})
    assert run.returncode == 1 and "is out of date" in run.output


def test_generated_workflow_uses_the_action_with_write_permissions_it_needs() -> None:
    from lamina.project.scaffold import ci_file
    path, text = ci_file("github", "committed")
    workflow = yaml.safe_load(text)
    assert path == ".github/workflows/lamina.yml"
    assert workflow["permissions"] == {"contents": "write", "pull-requests": "write",
                                       "security-events": "write"}
    steps = workflow["jobs"]["lamina"]["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@")
    assert steps[1]["with"] == {"mode": "committed"}
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert set(steps[1]["with"]) <= set(action["inputs"])


# ---- GitLab CI ---------------------------------------------------------------------------

def test_gitlab_template_is_the_one_init_writes() -> None:
    packaged = (REPO / "src/lamina/project/ci/gitlab-ci.yaml").read_text()
    assert (REPO / "ci/gitlab/lamina.gitlab-ci.yml").read_text() == packaged
    template = gitlab_template()
    assert template["stages"] == ["check", "diff", "publish"]
    assert [template[j]["stage"] for j in ("lamina-check", "lamina-diff", "lamina-publish")] == \
        ["check", "diff", "publish"]


def test_gitlab_merge_request_pipeline(tmp_path: Path) -> None:
    work, remote = clone(tmp_path, project(), branch="more-replicas")
    change_prod(work)
    mr = {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_MERGE_REQUEST_IID": "3",
          "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main", "CI_COMMIT_REF_NAME": "more-replicas",
          "LAMINA_API_TOKEN": "glpat-fake"}
    check = run_gitlab_job(work, tmp_path, "lamina-check", mr)
    assert check.returncode == 0, check.output
    report = json.loads((work / "lamina-check.json").read_text())
    assert isinstance(report, dict)
    diff = run_gitlab_job(work, tmp_path, "lamina-diff", mr)
    assert diff.returncode == 0, diff.output
    assert "| prod | 0 | 1 | 0 |" in (work / "lamina-diff.md").read_text()
    notes = diff.calls("curl")
    assert len(notes) == 1 and notes[0]["args"][-1].endswith("/projects/42/merge_requests/3/notes")
    assert notes[0]["body"].startswith("### lamina diff")
    publish = run_gitlab_job(work, tmp_path, "lamina-publish", mr)
    assert publish.returncode == 0 and "nothing to publish" in publish.output
    assert not remote_has(remote, "refs/heads/rendered")


@pytest.mark.parametrize("branch, published", [("main", True), ("feature", False)])
def test_gitlab_publish_on_the_default_branch_only(tmp_path: Path, branch: str,
                                                   published: bool) -> None:
    work, remote = clone(tmp_path, project(), branch=branch)
    job = run_gitlab_job(work, tmp_path, "lamina-publish",
                         {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": branch,
                          "LAMINA_PUSH_TOKEN": "fake", "LAMINA_PUSH_REMOTE": "origin"})
    assert job.returncode == 0, job.output
    assert remote_has(remote, "refs/heads/rendered") is published


def test_gitlab_check_fails_on_errors_and_keeps_the_report(tmp_path: Path) -> None:
    files = project()
    files["base/service.yaml"] = files["base/service.yaml"].replace("targetPort: http",
                                                                    "targetPort: 9999")
    work, _remote = clone(tmp_path, files)
    job = run_gitlab_job(work, tmp_path, "lamina-check", {"CI_PIPELINE_SOURCE": "push",
                                                          "CI_COMMIT_BRANCH": "main"})
    assert job.returncode == 1
    assert "service-target-port" in (work / "lamina-check.json").read_text()
