"""A hypothesis state machine over publish, dirty publish, rollback, release, out-of-order
publish, concurrent publish and a push to a remote that moved (issue 13, item 10).

After every step, reading the remote's rendered branch (the record):
- for each environment, the tip is the render of the recorded source commit (its replicas
  and its drySha, the last commit that changed the environment), or the recorded hold
  (exactly the files of the rendered commit it rolled back to);
- history is linear;
- every commit's trailers are true (source commits exist and only move forward unless
  forced; Lamina-Environments is exactly the environments whose files changed;
  Lamina-Published-By is the committer; a hold names its parent and an earlier commit).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from lamina.api.publish import PublishOptions, publish
from lamina.api.rollback import ReleaseOptions, RollbackOptions, release, rollback
from lamina.errors import LaminaError
from lamina.publish.trailers import names, parse_trailers
from tests.helpers.cli import LAMINA
from tests.helpers.git import git
from tests.helpers.project import set_replicas, write_project

ENVS = ("dev", "prod")


def _files(repo: Path, rev: str, env: str) -> dict[str, str]:
    out = {}
    for line in git(repo, "ls-tree", "-r", rev, "--", env + "/").splitlines():
        meta, path = line.split("\t")
        if not path.endswith("hydrator.metadata"):
            out[path] = meta.split()[2]
    return out


class PublishMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="lamina-publish-sm-"))
        self.remote = self.tmp / "remote.git"
        git(self.tmp, "init", "-q", "--bare", "-b", "main", str(self.remote))
        self.work = self.tmp / "work"
        self.work.mkdir()
        git(self.work, "init", "-q", "-b", "main")
        for key, value in (("user.name", "Pat Publisher"), ("user.email", "pat@example.com")):
            git(self.work, "config", key, value)
        write_project(self.work, {env: i + 1 for i, env in enumerate(ENVS)})
        git(self.work, "add", "-A")
        git(self.work, "commit", "-qm", "initial")
        git(self.work, "remote", "add", "origin", str(self.remote))
        git(self.work, "push", "-q", "-u", "origin", "main")
        self.other = self.tmp / "other"
        git(self.tmp, "clone", "-q", str(self.remote), str(self.other))
        for key, value in (("user.name", "Oli Other"), ("user.email", "oli@example.com")):
            git(self.other, "config", key, value)
        self.held: dict[str, str] = {}          # env -> the rendered commit it is held at
        self.checked: set[str] = set()          # rendered commits whose trailers were checked
        self.previous_source: str | None = None   # the source of the last commit checked
        self._publish(self.work)

    def teardown(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- helpers -------------------------------------------------------------------------
    def _publish(self, repo: Path, **kw: object) -> None:
        # jobs=1: rendered in this process, whose caches stay warm from step to step.
        publish(PublishOptions(project_dir=str(repo), push="origin", jobs=1, **kw))  # type: ignore[arg-type]

    def _commit(self, repo: Path, env: str, count: int) -> None:
        set_replicas(repo, env, count)
        git(repo, "commit", "-q", "--allow-empty", "-am", f"{env}: {count}")
        git(repo, "push", "-q", "origin", "HEAD:main")

    def _sync(self, repo: Path) -> None:
        git(repo, "fetch", "-q", "origin")
        git(repo, "checkout", "-q", "-B", "main", "origin/main")

    def _tip(self) -> str:
        return git(self.remote, "rev-parse", "rendered")

    def _last_source(self) -> str:
        return parse_trailers(git(self.remote, "log", "-1", "--format=%B", "rendered"))[
            "Lamina-Source-Sha"][0]

    # ---- rules ---------------------------------------------------------------------------
    @rule(env=st.sampled_from(ENVS), count=st.integers(1, 9), publish_now=st.booleans())
    def change(self, env: str, count: int, publish_now: bool) -> None:
        self._sync(self.work)
        self._commit(self.work, env, count)
        if publish_now:
            self._publish(self.work)

    @rule()
    def dirty_publish(self) -> None:
        self._sync(self.work)
        set_replicas(self.work, "dev", 42)
        try:
            try:
                self._publish(self.work)
                raise AssertionError("a dirty tree was published")
            except LaminaError as exc:
                assert "overlays/dev/kustomization.yaml (modified)" in str(exc)
            self._publish(self.work, allow_dirty=True)
        finally:
            git(self.work, "checkout", "-q", "--", ".")

    @rule(env=st.sampled_from(ENVS), back=st.integers(1, 3))
    def roll_back(self, env: str, back: int) -> None:
        self._sync(self.work)
        if int(git(self.remote, "rev-list", "--count", "rendered")) <= back:
            return
        target = git(self.remote, "rev-parse", f"rendered~{back}")
        result = rollback(RollbackOptions(environment=env, to=f"rendered~{back}",
                                          reason=f"step back {back}", project_dir=str(self.work),
                                          push="origin"))
        assert result.target == target
        self.held[env] = target

    @rule(env=st.sampled_from(ENVS))
    def release_hold(self, env: str) -> None:
        options = ReleaseOptions(environment=env, reason="fixed", project_dir=str(self.work),
                                 push="origin")
        if env in self.held:
            release(options)
            del self.held[env]
        else:
            try:
                release(options)
                raise AssertionError("released an environment that was not held")
            except LaminaError as exc:
                assert "not held" in str(exc)

    @rule()
    def out_of_order_publish(self) -> None:
        self._sync(self.other)
        older = git(self.other, "rev-parse", "HEAD~1") if \
            int(git(self.other, "rev-list", "--count", "HEAD")) > 1 else None
        if older is None:
            return
        git(self.other, "checkout", "-q", older)
        last = self._last_source()
        refused = older != last and subprocess.run(
            ["git", "-C", str(self.other), "merge-base", "--is-ancestor", older, last]).returncode == 0
        tip = self._tip()
        try:
            self._publish(self.other)
            assert not refused, "an older source was published"
        except LaminaError as exc:
            assert refused, str(exc)
            assert older[:12] in str(exc) and last[:12] in str(exc)
            assert self._tip() == tip

    @rule()
    def concurrent_publish(self) -> None:
        self._sync(self.work)
        self._sync(self.other)
        procs = [subprocess.Popen([*LAMINA, "publish", "--push", "origin"], cwd=repo,
                                  stderr=subprocess.PIPE, text=True)
                 for repo in (self.work, self.other)]
        for proc in procs:
            _out, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err

    @rule(env=st.sampled_from(ENVS), count=st.integers(1, 9))
    def push_to_a_remote_that_moved(self, env: str, count: int) -> None:
        # Another clone publishes first; this one's view of origin/rendered is then stale.
        self._sync(self.other)
        self._commit(self.other, env, count)
        self._publish(self.other)
        self._sync(self.work)
        self._commit(self.work, env, (count % 9) + 1)
        self._publish(self.work)

    # ---- invariants (one, so the record is read once per step) -----------------------
    @invariant()
    def the_branch_tells_the_truth(self) -> None:
        git(self.work, "fetch", "-q", "origin")
        log = git(self.remote, "log", "--reverse", "--format=%H %P", "rendered").splitlines()
        assert all(len(line.split()) <= 2 for line in log), "history is not linear"
        self._trailers_are_true([line.split()[0] for line in log])
        self._environments_are_their_source_or_hold(log[-1].split()[0])

    def _environments_are_their_source_or_hold(self, tip: str) -> None:
        source = self._last_source()
        for env in ENVS:
            meta = json.loads(git(self.remote, "show", f"{tip}:{env}/hydrator.metadata"))
            hold = meta["lamina"].get("hold")
            if hold is not None:
                assert self.held.get(env) == hold["rendered_to"]
                assert _files(self.remote, tip, env) == \
                    _files(self.remote, hold["rendered_to"], env)
                continue
            assert env not in self.held
            if "dirty" in meta["lamina"]:
                assert meta["lamina"]["dirty"]["digest"].startswith("sha256:")
                continue
            changed = git(self.work, "log", "-1", "--format=%H", source, "--",
                          f"overlays/{env}", "base")
            assert meta["drySha"] == changed
            overlay = git(self.work, "show", f"{source}:overlays/{env}/kustomization.yaml")
            count = re.search(r"count: (\d+)", overlay).group(1)  # type: ignore[union-attr]
            deployment = git(self.remote, "show", f"{tip}:{env}/{env}/deployment-web.yaml")
            assert f"replicas: {count}\n" in deployment

    def _trailers_are_true(self, commits: list[str]) -> None:
        for commit in commits:
            if commit in self.checked:
                continue
            body = git(self.remote, "log", "-1", "--format=%P%x00%an <%ae>%x00%cn <%ce>%x00%s%x00%B",
                       commit)
            parent, author, committer, subject, message = body.split("\0", 4)
            found = parse_trailers(message)
            source = found["Lamina-Source-Sha"][0]
            assert git(self.work, "cat-file", "-t", source) == "commit"
            if self.previous_source and "Lamina-Forced" not in found:
                assert subprocess.run(["git", "-C", str(self.work), "merge-base",
                                       "--is-ancestor", self.previous_source,
                                       source]).returncode == 0, "the source went backwards"
            self.previous_source = source
            paths = git(self.remote, "diff-tree", "-r", "--name-only", "--no-commit-id",
                        "--root", commit).split()
            touched = sorted({p.split("/")[0] for p in paths if p.split("/")[0] in ENVS})
            listed = sorted(names(found["Lamina-Environments"][0]))
            assert listed == touched, (commit, listed, touched)
            assert found["Lamina-Published-By"] == [committer]
            if "Lamina-Hold" in found:
                assert found["Lamina-Hold-From"] == [parent]
                assert subprocess.run(["git", "-C", str(self.remote), "merge-base",
                                       "--is-ancestor", found["Lamina-Hold-To"][0],
                                       parent]).returncode == 0
            elif subject.startswith("Render"):
                assert author == git(self.work, "log", "-1", "--format=%an <%ae>", source)
            self.checked.add(commit)


PublishMachine.TestCase.settings = settings(
    max_examples=3, stateful_step_count=5, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
TestPublishStateMachine = PublishMachine.TestCase
