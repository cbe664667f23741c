"""Hypothesis: for every name lamina turns into a path (environment and cluster names,
ledger and journal entries, the output folder, file names made from resources), hostile
values (`..`, absolute paths, links, NUL, very long names, look-alikes such as U+2024 or
fullwidth dots and slashes) end in a clear refusal or a correct render, and nothing
outside the output folder is ever written or deleted."""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lamina.errors import LaminaError
from tests.helpers.trees import write_tree
from tests.helpers.security import project_files, snapshot

PIECES = ["..", ".", "", "a", "dev", "prod", "\x00", "\u2024", "\u2024\u2024", "\uff0e\uff0e",
          "\uff0f", "\u2215", "\\", "~", "x" * 300, "%2e%2e", "\u202e", "\u00e9", " ", "-",
          "/etc", "/", "shop-dev", ".lamina-ledger.json", ".lamina-journal.json",
          "dev.lamina-tmp", "_cluster", "\ud800", "\u3002\u3002", "\ufe52"]
NAMES = (st.lists(st.sampled_from(PIECES), min_size=1, max_size=5).map("/".join)
         | st.lists(st.sampled_from(PIECES), min_size=1, max_size=4).map("".join)
         | st.text(max_size=12))
LINKS = st.sampled_from([None, "rendered/dev", "rendered/dev/shop-dev", "rendered/prod",
                         "rendered/dev/shop-dev/deployment-web.yaml", "rendered"])

pytestmark = __import__("pytest").mark.filterwarnings("ignore::lamina.errors.LaminaWarning")

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@contextmanager
def _world() -> Iterator[tuple[Path, Path]]:
    with tempfile.TemporaryDirectory(prefix="lamina-hostile-") as tmp:
        world = Path(os.path.realpath(tmp))
        write_tree(world, {"victim.txt": "victim\n", "a/victim.txt": "victim\n",
                           "a/b/victim.txt": "victim\n", "keep/file.txt": "keep\n"})
        repo = world / "a" / "b" / "repo"
        write_tree(repo, project_files())
        old = os.getcwd()
        os.chdir(repo)
        try:
            yield world, repo
        finally:
            os.chdir(old)


def _render(repo: Path, output: str | None = None, all_: bool = True):
    from lamina.api.render import RenderOptions, render
    return render(RenderOptions(project_dir=str(repo), output=output, render_all=all_, jobs=1,
                                run_checks=False))


def _link(world: Path, repo: Path, where: str | None) -> None:
    if where is None:
        return
    path = repo / where
    if path.is_dir() and not path.is_symlink():
        import shutil
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(world / ("keep" if not where.endswith(".yaml") else "victim.txt"))


def _attempt(world: Path, repo: Path, action, extra_skip: tuple[Path, ...] = ()) -> None:
    """Run `action`; it may refuse (LaminaError) or succeed. Either way nothing outside
    the (real) output folder changed."""
    before = snapshot(world, (repo / "rendered", *extra_skip))
    try:
        outcome = action()
    except LaminaError:
        outcome = None
    skip = [repo / "rendered", *extra_skip]
    made: set[str] = set()
    if outcome is not None:
        out = Path(outcome.output)
        assert out == repo / out.relative_to(repo)        # inside the repository
        skip.append(out)
        # the output folder's missing parents (mkdir -p) are made, empty
        made = {str(p.relative_to(world)) for p in out.parents if repo in p.parents}
    after = snapshot(world, tuple(skip))
    after = {k: v for k, v in after.items() if not (k in made and k not in before)}
    assert _outside(after, world, skip) == _outside(before, world, skip)


def _outside(snap: dict, world: Path, skip: list[Path]) -> dict:
    """The entries not inside an output folder (the folder itself may appear)."""
    def inside(rel: str, kind: str) -> bool:
        path = world / rel
        return any(s in path.parents or (path == s and kind == "dir") for s in skip)
    return {k: v for k, v in snap.items() if not inside(k, v[0])}


@SETTINGS
@given(name=NAMES, link=LINKS)
def test_hostile_environment_names(name: str, link: str | None) -> None:
    with _world() as (world, repo):
        (repo / "lamina.yaml").write_text(
            f"environments:\n  - name: {json.dumps(name)}\n    overlay: overlays/dev\n")
        _link(world, repo, link)
        _attempt(world, repo, lambda: _render(repo))


@SETTINGS
@given(name=NAMES, link=LINKS)
def test_hostile_cluster_names(name: str, link: str | None) -> None:
    with _world() as (world, repo):
        (repo / "lamina.yaml").write_text(
            f"environments:\n  - name: dev\n    clusters: [{json.dumps(name)}]\n")
        _link(world, repo, link)
        _attempt(world, repo, lambda: _render(repo))


@SETTINGS
@given(entries=st.lists(NAMES, min_size=1, max_size=3), link=LINKS)
def test_hostile_ledger_entries(entries: list[str], link: str | None) -> None:
    with _world() as (world, repo):
        _render(repo)
        ledger = repo / "rendered" / ".lamina-ledger.json"
        data = json.loads(ledger.read_text())
        ledger.write_text(json.dumps({"files": data["files"] + entries}))
        _link(world, repo, link)
        _attempt(world, repo, lambda: _render(repo))


@SETTINGS
@given(key=st.sampled_from(["rename", "rename_dirs", "remove", "ledger"]),
       entries=st.lists(NAMES, min_size=1, max_size=3), link=LINKS,
       unchanged=st.booleans())
def test_hostile_journal_entries(key: str, entries: list[str], link: str | None,
                                 unchanged: bool) -> None:
    with _world() as (world, repo):
        _render(repo)
        journal = {"rename": [], "remove": [], key: entries}
        if unchanged:
            journal["ledger_unchanged"] = True
        for entry in entries:       # a temporary for each, in case a rename is honoured
            if entry.startswith(".lamina-"):
                continue
            target = repo / "rendered" / (entry + ".lamina-tmp")
            try:
                if target.resolve().is_relative_to(repo / "rendered"):
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text("tmp\n")
            except (OSError, ValueError):
                pass
        (repo / "rendered" / ".lamina-journal.json").write_text(json.dumps(journal))
        _link(world, repo, link)
        _attempt(world, repo, lambda: _render(repo, all_=False))


@SETTINGS
@given(name=NAMES, via=st.sampled_from(["lamina.yaml", "flag"]), link=LINKS)
def test_hostile_output_folders(name: str, via: str, link: str | None) -> None:
    with _world() as (world, repo):
        _link(world, repo, link)
        if via == "lamina.yaml":
            (repo / "lamina.yaml").write_text(f"output:\n  dir: {json.dumps(name)}\n")
            _attempt(world, repo, lambda: _render(repo))
        else:
            _attempt(world, repo, lambda: _render(repo, output=name))


@SETTINGS
@given(namespace=NAMES, name=NAMES, kind=NAMES, link=LINKS)
def test_hostile_resource_derived_file_names(namespace: str, name: str, kind: str,
                                             link: str | None) -> None:
    with _world() as (world, repo):
        doc = {"apiVersion": "v1", "kind": kind or "ConfigMap",
               "metadata": {"name": name or "n", "namespace": namespace or "ns"}}
        write_tree(repo, {"overlays/dev/extra.yaml": json.dumps(doc) + "\n",
                          "overlays/dev/kustomization.yaml":
                              "resources: [../../base, extra.yaml]\n"})
        _link(world, repo, link)
        _attempt(world, repo, lambda: _render(repo))
        out = repo / "out"
        out.mkdir(exist_ok=True)

        def build_o():
            from lamina.api.build import BuildOptions, build, write_output
            write_output(build(BuildOptions(str(repo / "overlays" / "dev"))), str(out))
        _attempt(world, repo, build_o, extra_skip=(out,))
