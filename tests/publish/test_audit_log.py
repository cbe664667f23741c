"""The rendered branch is an honest audit log (issue 13): real git repositories, a bare
remote, the lamina command. One section per numbered item of the issue."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.helpers.cli import LAMINA
from tests.helpers.git import git
from tests.helpers.project import set_replicas
from tests.helpers.publish import commit_replicas, lamina, trailers
from tests.helpers.trees import write_tree


def write(root: Path, rel: str, text: str) -> None:
    write_tree(root, {rel: text})

NO_IDENTITY = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
               "GIT_COMMITTER_NAME": None, "GIT_COMMITTER_EMAIL": None, "GITHUB_ACTOR": None,
               "GITLAB_USER_LOGIN": None, "EMAIL": None}


def metadata(repo: Path, env: str, rev: str = "rendered") -> dict:
    return json.loads(git(repo, "show", f"{rev}:{env}/hydrator.metadata"))


def env_tree(repo: Path, rev: str, env: str) -> dict[str, str]:
    """path -> blob of one environment's files, the metadata left out."""
    out = {}
    for line in git(repo, "ls-tree", "-r", rev, "--", env).splitlines():
        meta, path = line.split("\t")
        if not path.endswith("hydrator.metadata"):
            out[path] = meta.split()[2]
    return out


# ---- 1. publish records only the truth ------------------------------------------------------

def test_a_modified_input_is_refused_naming_the_file(project: Path) -> None:
    set_replicas(project, "prod", 9)
    proc = lamina(project, "publish", check=False)
    assert proc.returncode == 1
    assert "overlays/prod/kustomization.yaml (modified)" in proc.stderr
    assert "--allow-dirty" in proc.stderr and "Traceback" not in proc.stderr
    assert subprocess.run(["git", "-C", str(project), "rev-parse", "-q", "--verify",
                           "refs/heads/rendered"], capture_output=True).returncode == 1


def test_an_untracked_input_is_refused(project: Path) -> None:
    write(project, "overlays/prod/extra.yaml",
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n")
    write(project, "overlays/prod/kustomization.yaml",
          "resources: [../../base, extra.yaml]\nnamespace: prod\n")
    git(project, "add", "overlays/prod/kustomization.yaml")
    git(project, "commit", "-qm", "prod: extra")
    proc = lamina(project, "publish", check=False)
    assert proc.returncode == 1
    assert "overlays/prod/extra.yaml (not committed)" in proc.stderr


@pytest.mark.parametrize("flags", [("--set", "x=1"), ("--values", "extra-values.yaml")])
def test_command_line_values_are_refused_without_allow_dirty(project: Path,
                                                             flags: tuple[str, str]) -> None:
    write(project, "extra-values.yaml", "x: 1\n")
    proc = lamina(project, "publish", *flags, check=False)
    assert proc.returncode == 1
    assert f"command line: {flags[0]} {flags[1]}" in proc.stderr


def test_allow_dirty_records_the_difference(project: Path) -> None:
    head = git(project, "rev-parse", "HEAD")
    set_replicas(project, "prod", 9)
    lamina(project, "publish", "--allow-dirty", "--set", "x=1")
    found = trailers(project)
    assert found["Lamina-Source-Dirty"] == ["true"]
    digest = found["Lamina-Source-Dirty-Digest"][0]
    assert digest.startswith("sha256:") and len(digest) == 71
    assert found["Lamina-Source-Sha"] == [head]
    meta = metadata(project, "prod")
    assert meta["lamina"]["dirty"]["digest"] == digest
    assert "overlays/prod/kustomization.yaml (modified)" in meta["lamina"]["dirty"]["files"]
    assert meta["commands"] == ["lamina build overlays/prod --set x=1"]
    assert "(dirty)" in git(project, "log", "-1", "--format=%s", "rendered")
    # The same source published clean afterwards restores the truth for that commit.
    git(project, "checkout", "-q", "--", ".")
    lamina(project, "publish")
    assert "Lamina-Source-Dirty" not in trailers(project)
    assert "replicas: 2" in git(project, "show", "rendered:prod/prod/deployment-web.yaml")
    assert "dirty" not in metadata(project, "prod")["lamina"]


def test_push_refuses_a_source_the_remote_does_not_have(project: Path, origin: Path) -> None:
    commit_replicas(project, "prod", 4)
    proc = lamina(project, "publish", "--push", "origin", check=False)
    assert proc.returncode == 1 and "is not on origin" in proc.stderr
    assert "--allow-unpushed" in proc.stderr
    lamina(project, "publish", "--push", "origin", "--allow-unpushed")
    assert git(origin, "rev-parse", "rendered") == git(project, "rev-parse", "rendered")


# ---- 2. history moves forward only --------------------------------------------------------

def test_an_older_source_is_refused_naming_both(project: Path, origin: Path) -> None:
    c1 = git(project, "rev-parse", "HEAD")
    c2 = commit_replicas(project, "prod", 5, push=True)
    lamina(project, "publish", "--push", "origin")
    tip = git(origin, "rev-parse", "rendered")
    git(project, "checkout", "-q", c1)
    proc = lamina(project, "publish", "--push", "origin", check=False)
    assert proc.returncode == 1
    assert c1[:12] in proc.stderr and c2[:12] in proc.stderr and "older" in proc.stderr
    assert git(origin, "rev-parse", "rendered") == tip
    forced = lamina(project, "publish", "--push", "origin", "--force")
    assert forced.returncode == 0
    found = trailers(project)
    assert found["Lamina-Source-Sha"] == [c1]
    assert c2[:12] in found["Lamina-Forced"][0]


def test_an_unrelated_source_is_refused(project: Path) -> None:
    lamina(project, "publish")
    git(project, "checkout", "-q", "--orphan", "other")
    git(project, "commit", "-qm", "unrelated root")
    proc = lamina(project, "publish", check=False)
    assert proc.returncode == 1 and "unrelated" in proc.stderr


def test_the_same_source_again_is_a_no_op(project: Path, origin: Path) -> None:
    lamina(project, "publish", "--push", "origin")
    tip = git(origin, "rev-parse", "rendered")
    proc = lamina(project, "publish", "--push", "origin")
    assert "unchanged, no commit" in proc.stderr
    assert git(origin, "rev-parse", "rendered") == tip


# ---- 3. a rollback is a hold --------------------------------------------------------------

def test_a_rollback_holds_through_unrelated_publishes(project: Path, origin: Path) -> None:
    c1 = git(project, "rev-parse", "HEAD")
    lamina(project, "publish", "--push", "origin")
    good = git(project, "rev-parse", "rendered")
    commit_replicas(project, "prod", 5, push=True)
    lamina(project, "publish", "--push", "origin")
    lamina(project, "rollback", "prod", "--to", "rendered~1", "--reason", "bad rollout",
           "--push", "origin")
    rolled = git(project, "rev-parse", "rendered")
    assert env_tree(project, rolled, "prod") == env_tree(project, good, "prod")
    found = trailers(project)
    assert found["Lamina-Hold"] == ["prod"] and found["Lamina-Reason"] == ["bad rollout"]
    assert found["Lamina-Hold-To"] == [good] and found["Lamina-Hold-Source"] == [c1]
    hold = metadata(project, "prod")["lamina"]["hold"]
    assert hold["reason"] == "bad rollout" and hold["rendered_to"] == good

    commit_replicas(project, "dev", 3, push=True)
    proc = lamina(project, "publish", "--push", "origin")
    assert "prod: held since " in proc.stderr and ": bad rollout" in proc.stderr
    after = git(project, "rev-parse", "rendered")
    assert after != rolled
    assert git(project, "diff", "--name-only", rolled, after, "--", "prod") == ""
    assert "replicas: 3" in git(project, "show", "rendered:dev/dev/deployment-web.yaml")
    assert trailers(project)["Lamina-Held"] == ["prod"]
    assert trailers(project)["Lamina-Environments"] == ["dev"]

    lamina(project, "release", "prod", "--reason", "fixed in 1.2.4", "--push", "origin")
    assert trailers(project)["Lamina-Release"] == ["prod"]
    assert "hold" not in metadata(project, "prod")["lamina"]
    lamina(project, "publish", "--push", "origin")
    assert "replicas: 5" in git(project, "show", "rendered:prod/prod/deployment-web.yaml")


def test_publish_release_lifts_the_hold_in_one_commit(project: Path) -> None:
    lamina(project, "publish")
    commit_replicas(project, "prod", 6)
    lamina(project, "publish")
    lamina(project, "rollback", "prod", "--to", "rendered~1", "--reason", "r")
    refused = lamina(project, "publish", "--release", "prod", check=False)
    assert refused.returncode == 2 and "--reason" in refused.stderr
    lamina(project, "publish", "--release", "prod", "--reason", "ok now")
    found = trailers(project)
    assert found["Lamina-Release"] == ["prod"] and found["Lamina-Reason"] == ["ok now"]
    assert "replicas: 6" in git(project, "show", "rendered:prod/prod/deployment-web.yaml")


def test_rollback_to_a_source_commit_means_the_commit_made_from_it(project: Path) -> None:
    c1 = git(project, "rev-parse", "HEAD")
    lamina(project, "publish")
    made_from_c1 = git(project, "rev-parse", "rendered")
    commit_replicas(project, "prod", 7)
    lamina(project, "publish")
    lamina(project, "rollback", "prod", "--to", c1, "--reason", "back to the first")
    assert trailers(project)["Lamina-Hold-To"] == [made_from_c1]
    unknown = lamina(project, "rollback", "prod", "--to", "no-such-rev", check=False)
    assert unknown.returncode == 1 and "unknown revision" in unknown.stderr


# ---- 4. identity and content --------------------------------------------------------------

def test_committer_is_who_ran_it_and_author_the_source(project: Path) -> None:
    lamina(project, "publish", env={**NO_IDENTITY, "GITHUB_ACTOR": "octocat"})
    who = git(project, "log", "-1", "--format=%cn <%ce>|%an <%ae>", "rendered")
    assert who == "octocat <octocat@users.noreply.github.com>|t <t@example.com>"
    assert trailers(project)["Lamina-Published-By"] == [
        "octocat <octocat@users.noreply.github.com>"]
    git(project, "config", "user.name", "Jane Doe")
    git(project, "config", "user.email", "jane@example.com")
    commit_replicas(project, "prod", 3)
    lamina(project, "publish", env={**NO_IDENTITY, "GITHUB_ACTOR": "octocat"})
    assert git(project, "log", "-1", "--format=%cn <%ce>", "rendered") == \
        "Jane Doe <jane@example.com>"


def test_trailers_and_body_name_what_changed(project: Path) -> None:
    lamina(project, "publish")
    write(project, "overlays/prod/cm.yaml",
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n")
    write(project, "overlays/prod/kustomization.yaml",
          "resources: [../../base, cm.yaml]\nnamespace: prod\nreplicas:\n- name: web\n  count: 4\n")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "prod: settings, 4 replicas")
    lamina(project, "publish")
    assert trailers(project)["Lamina-Environments"] == ["prod"]
    body = git(project, "log", "-1", "--format=%b", "rendered")
    assert "prod: 1 added, 1 changed, 0 removed" in body
    assert "  + prod/configmap-settings" in body and "  ~ prod/deployment-web" in body
    assert "dev:" not in body


# ---- 5. shallow clones and URL forms ------------------------------------------------------

def test_a_shallow_clone_is_deepened_and_names_the_right_commit(project: Path, origin: Path,
                                                                tmp_path: Path) -> None:
    prod_change = commit_replicas(project, "prod", 4, push=True)
    commit_replicas(project, "dev", 3, push=True)
    lamina(project, "publish")
    shallow = tmp_path / "ci"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(shallow))
    proc = lamina(shallow, "publish", "--branch", "ci-rendered")
    assert "shallow clone" in proc.stderr
    assert metadata(shallow, "prod", "ci-rendered")["drySha"] == prod_change
    full_tree = git(project, "rev-parse", "rendered^{tree}")
    assert git(shallow, "rev-parse", "ci-rendered^{tree}") == full_tree


def test_a_shallow_clone_without_a_remote_is_refused(project: Path, origin: Path,
                                                    tmp_path: Path) -> None:
    commit_replicas(project, "dev", 3, push=True)
    shallow = tmp_path / "ci"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(shallow))
    git(shallow, "remote", "remove", "origin")
    proc = lamina(shallow, "publish", check=False)
    assert proc.returncode == 1
    assert "shallow clone" in proc.stderr and "fetch-depth: 0" in proc.stderr


def test_every_url_form_of_one_remote_gives_the_same_bytes(project: Path, origin: Path,
                                                           tmp_path: Path) -> None:
    outputs = set()
    for i, url in enumerate(["git@example.com:shop/deploy.git",
                             "ssh://git@example.com/shop/deploy.git",
                             "https://example.com/shop/deploy",
                             "https://ci:secret-token@example.com/shop/deploy.git"]):
        git(project, "remote", "set-url", "origin", url)
        lamina(project, "render", "--all", "-o", f"out{i}")
        outputs.add((project / f"out{i}/prod/hydrator.metadata").read_text())
    assert len(outputs) == 1
    assert '"repoURL": "https://example.com/shop/deploy"' in outputs.pop()
    local = set()
    for i, url in enumerate([str(origin), f"file://{origin}"]):
        clone = tmp_path / f"clone{i}"
        git(tmp_path, "clone", "-q", url, str(clone))
        lamina(clone, "render", "--all")
        local.add((clone / "rendered/prod/hydrator.metadata").read_text())
    assert len(local) == 1


@pytest.mark.parametrize("url", [
    "git@Example.com:shop/deploy.git", "ssh://git@example.com/shop/deploy.git",
    "ssh://git@example.com:2222/shop/deploy", "git://example.com/shop/deploy.git",
    "https://example.com/shop/deploy.git/", "https://bot:t0ken@example.com/shop/deploy",
    "git+ssh://git@example.com/~/shop/deploy.git"])
def test_remote_url_forms_are_one_canonical_url(url: str) -> None:
    from lamina.git import canonical_url
    assert canonical_url(url) == "https://example.com/shop/deploy"


def test_local_url_forms_are_one_canonical_url(tmp_path: Path) -> None:
    from lamina.git import canonical_url
    (tmp_path / "repo").mkdir()
    forms = {canonical_url(u, str(tmp_path)) for u in (
        str(tmp_path / "repo"), f"file://{tmp_path / 'repo'}", "repo", "./repo/",
        str(tmp_path / "repo" / ".git"))}
    assert forms == {f"file://{(tmp_path / 'repo').resolve()}"}


# ---- 6 and 7. the remote is the record; history and status ----------------------------------

def test_a_fresh_clone_reads_origin_rendered(project: Path, origin: Path, tmp_path: Path) -> None:
    lamina(project, "publish", "--push", "origin")
    for count in (3, 4, 5):
        commit_replicas(project, "prod", count, push=True)
        lamina(project, "publish", "--push", "origin")
    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(origin), str(fresh))
    diff = lamina(fresh, "diff", "prod")
    assert "origin/rendered" in diff.stderr
    history = lamina(fresh, "history", "prod", "--format", "json")
    assert "origin/rendered" in history.stderr
    entries = json.loads(history.stdout)["entries"]
    assert len(entries) == 4 and entries[0]["source"] == git(fresh, "rev-parse", "HEAD")
    back = lamina(fresh, "rollback", "prod", "--to", "rendered~3", "--reason", "x",
                  "--push", "origin")
    assert "origin/rendered" in back.stderr
    assert "replicas: 2" in git(origin, "show", "rendered:prod/prod/deployment-web.yaml")
    status = json.loads(lamina(fresh, "status", "--format", "json").stdout)
    prod = next(e for e in status["environments"] if e["environment"] == "prod")
    assert prod["held"] and prod["hold"]["reason"] == "x"
    assert prod["source"] == git(project, "rev-parse", "HEAD~3")
    text = lamina(fresh, "status").stdout
    assert "HELD since" in text and "dev" in text
    lines = lamina(fresh, "history", "prod").stdout
    assert "rollback" in lines and "hold: prod rolled back to" in lines


# ---- 8. concurrency and Argo CD --------------------------------------------------------------

def test_concurrent_renders_of_one_folder_wait_for_each_other(project: Path) -> None:
    for _round in range(3):
        procs = [subprocess.Popen([*LAMINA, "render", "--all"], cwd=project,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
        for p in procs:
            _out, err = p.communicate(timeout=300)
            assert p.returncode == 0, err
        lamina(project, "render", "--check")


def test_a_held_lock_times_out_clearly(project: Path) -> None:
    from lamina.project.outlock import output_lock
    with output_lock(str(project / "rendered"), 5):
        proc = lamina(project, "render", "--lock-timeout", "0.3", check=False)
    assert proc.returncode == 1
    assert "waiting for another lamina run" in proc.stderr
    assert "--lock-timeout" in proc.stderr and "Traceback" not in proc.stderr


def test_worktrees_publishing_at_once_all_succeed(project: Path, origin: Path,
                                                  tmp_path: Path) -> None:
    trees = []
    for i in range(4):
        wt = tmp_path / f"wt{i}"
        git(project, "worktree", "add", "-q", "-b", f"w{i}", str(wt), "main")
        trees.append(wt)
    procs = [subprocess.Popen([*LAMINA, "publish", "--push", "origin"], cwd=wt,
                              stderr=subprocess.PIPE, text=True) for wt in trees]
    for p in procs:
        _out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    assert git(origin, "rev-list", "--count", "rendered") == "1"


@pytest.mark.parametrize("how", ["flag", "lamina.yaml"])
def test_publish_puts_argocd_apps_on_the_branch(project: Path, how: str) -> None:
    if how == "lamina.yaml":
        write(project, "lamina.yaml", "publish:\n  argocdApps: true\n  repoURL: "
              "https://example.com/shop/deploy\n")
        git(project, "add", "lamina.yaml")
        git(project, "commit", "-qm", "argo")
        lamina(project, "publish")
    else:
        lamina(project, "publish", "--argocd-apps", "--repo-url", "https://example.com/x")
    app = git(project, "show", "rendered:_argocd/prod.yaml")
    assert "path: prod" in app and "targetRevision: rendered" in app
    assert "prod.yaml" in git(project, "show", "rendered:_argocd/kustomization.yaml")


# ---- 9. render --set is never "unchanged" afterwards ----------------------------------------

def test_a_set_render_is_redone_by_a_plain_render(project: Path) -> None:
    lamina(project, "render")
    lamina(project, "render", "--set", "x=1")
    meta = json.loads((project / "rendered/prod/hydrator.metadata").read_text())
    assert meta["commands"] == ["lamina build overlays/prod --set x=1"]
    proc = lamina(project, "render")
    assert "unchanged" not in proc.stderr
    meta = json.loads((project / "rendered/prod/hydrator.metadata").read_text())
    assert meta["commands"] == ["lamina build overlays/prod"]
    lamina(project, "render", "--check")
