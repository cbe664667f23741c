"""`lamina render`'s engine: per-target work in worker processes, the per-resource cache
(project/objcache.py) and staging in the workers (project/writer.py stage/commit).

Every cache test compares with a render that has no cache: a hit must give exactly what
a miss gives."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest

from lamina.checks.gate import ChecksFailed
from lamina.project import objcache
from lamina.api.render import RenderOptions, render
from lamina.project.writer import JOURNAL, LEDGER, OutputError, recover
from tests.helpers.cli import LAMINA, run_lamina
from tests.helpers.trees import write_tree


DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      securityContext: {{runAsNonRoot: true}}
      containers:
      - name: main
        image: nginx:1.25
        ports: [{{name: http, containerPort: 8080}}]
        resources: {{requests: {{cpu: 10m, memory: 10Mi}}, limits: {{memory: 10Mi}}}}
"""
SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector: {{app: {name}}}
  ports: [{{port: 80, targetPort: http}}]
"""


def _project(root: Path, envs: tuple[str, ...] = ("dev", "staging", "prod"), services: int = 3,
             checks: str = "") -> Path:
    files = {"lamina.yaml": "apiVersion: lamina.dev/v1alpha1\nkind: Project\n" + checks}
    for i in range(services):
        name = f"svc{i}"
        files[f"bases/{name}/kustomization.yaml"] = "resources: [deploy.yaml, service.yaml]\n"
        files[f"bases/{name}/deploy.yaml"] = DEPLOY.format(name=name)
        files[f"bases/{name}/service.yaml"] = SERVICE.format(name=name)
    for env in envs:
        files[f"overlays/{env}/kustomization.yaml"] = (
            f"namespace: shop-{env}\nresources:\n"
            + "".join(f"- ../../bases/svc{i}\n" for i in range(services)))
    return write_tree(root, files)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("LAMINA_NO_CACHE", raising=False)
    from lamina.store import codestamp
    monkeypatch.setattr(codestamp, "_STAMPS", {})
    return tmp_path / "cache"


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def _packs(cache: Path) -> list[Path]:
    return sorted(p for p in (cache / "lamina" / "render").rglob("*")
                  if p.is_file() and not p.name.startswith(".tmp-") and p.parent.name != "owners")


def _render(root: Path, out: str = "rendered", **kwargs):
    kwargs.setdefault("render_all", True)
    return render(RenderOptions(project_dir=str(root), output=str(root / out), **kwargs))


class _Counter:
    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        import lamina.yaml
        self.calls = 0
        real = lamina.yaml.dump

        def dump(doc):
            self.calls += 1
            return real(doc)
        monkeypatch.setattr(lamina.yaml, "dump", dump)


def _findings(result) -> list[tuple]:
    return [(f.check, f.level, f.message, f.environment, f.resource, str(f.source), f.rendered,
             f.related) for f in result.findings]


# ---- the per-resource cache --------------------------------------------------------------

def test_cache_hit_gives_what_a_miss_gives(tmp_path: Path, cache: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path / "p", checks="checks:\n  rules:\n    probes: {level: warning}\n")
    counter = _Counter(monkeypatch)
    first = _render(root, jobs=1)
    printed = counter.calls
    assert printed == 18 and len(_packs(cache)) == 3
    second = _render(root, "again", jobs=1)
    assert counter.calls == printed          # every text came from the cache
    monkeypatch.setenv("LAMINA_NO_CACHE", "1")
    plain = _render(root, "plain", jobs=1)
    assert counter.calls == 2 * printed
    assert _tree(root / "rendered") == _tree(root / "again") == _tree(root / "plain")
    assert _findings(first.checks) == _findings(second.checks) \
        == _findings(plain.checks)
    assert any(f.check == "probes" for f in second.checks.findings)


def test_a_changed_resource_misses_and_only_it(tmp_path: Path, cache: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path / "p")
    _render(root, jobs=1)
    counter = _Counter(monkeypatch)
    deploy = root / "bases" / "svc1" / "deploy.yaml"
    deploy.write_text(deploy.read_text().replace(", limits: {memory: 10Mi}", ""))
    result = _render(root, render_all=False, jobs=1)
    assert counter.calls == 3                # svc1's Deployment, once per environment
    assert result.written and all("deployment-svc1" in w or "hydrator" in w
                                  for w in result.written)
    # the changed object's findings are its own, not the cached ones
    found = {(f.check, f.resource) for f in result.checks.findings}
    assert ("resources", "Deployment/shop-dev/svc1") in found
    assert ("resources", "Deployment/shop-dev/svc0") not in found
    monkeypatch.setenv("LAMINA_NO_CACHE", "1")
    plain = _render(root, "plain", jobs=1)
    assert _tree(root / "rendered") == _tree(root / "plain")
    assert _findings(result.checks) == _findings(plain.checks)


def test_check_configuration_is_part_of_the_key(tmp_path: Path, cache: Path) -> None:
    root = _project(tmp_path / "p")
    deploy = root / "bases" / "svc0" / "deploy.yaml"
    deploy.write_text(deploy.read_text().replace("        ports:", "        readinessProbe: "
                                                 "{httpGet: {port: http}}\n        ports:"))
    first = _render(root, jobs=1)
    assert any(f.check == "probes" for f in first.checks.findings)
    (root / "lamina.yaml").write_text("apiVersion: lamina.dev/v1alpha1\nkind: Project\n"
                                      "checks:\n  rules:\n    probes: {enabled: false}\n")
    second = _render(root, jobs=1)
    assert not any(f.check == "probes" for f in second.checks.findings)
    (root / "lamina.yaml").write_text("apiVersion: lamina.dev/v1alpha1\nkind: Project\n"
                                      "checks:\n  rules:\n    probes: {level: error}\n")
    with pytest.raises(ChecksFailed):
        _render(root, jobs=1)


def test_cross_environment_findings_follow_the_markers(tmp_path: Path, cache: Path) -> None:
    root = _project(tmp_path / "p")
    # A namespace whose name does not say "prod" (which would make any host carrying it
    # prod's, marker or not): the finding then depends on the observed namespace alone.
    prod_kustomization = root / "overlays/prod/kustomization.yaml"
    prod_kustomization.write_text(prod_kustomization.read_text().replace("shop-prod", "shop-p1"))
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: peers\ndata:\n  url: http://api.shop-p1.svc\n"
    write_tree(root, {"overlays/dev/peers.yaml": cm,
                      "overlays/dev/kustomization.yaml":
                      (root / "overlays/dev/kustomization.yaml").read_text() + "- peers.yaml\n"})
    with pytest.raises(ChecksFailed, match="cross-environment"):
        _render(root, jobs=1)
    # prod no longer uses shop-p1: the cached "no finding" for unchanged objects must
    # not hide anything, and the cached finding must not survive the marker going away
    (root / "overlays/prod/kustomization.yaml").write_text(
        (root / "overlays/prod/kustomization.yaml").read_text().replace("shop-p1", "shop-live"))
    result = _render(root, jobs=1)
    assert not any(f.check == "cross-environment" for f in result.checks.findings)
    # and back: the workers' guess (last run's owners) is wrong again, the result is not
    (root / "overlays/prod/kustomization.yaml").write_text(
        (root / "overlays/prod/kustomization.yaml").read_text().replace("shop-live", "shop-p1"))
    for jobs in (1, 2):
        with pytest.raises(ChecksFailed, match="cross-environment"):
            _render(root, jobs=jobs)


def test_damaged_or_foreign_packs_are_ignored(tmp_path: Path, cache: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path / "p")
    _render(root, jobs=1)
    expected = _tree(root / "rendered")
    packs = _packs(cache)
    blob = packs[0].read_bytes()
    packs[0].write_bytes(blob[:-10] + b"x" * 10)              # checksum no longer matches
    packs[1].write_bytes(b"lamina-render-pack 2\n" + b"\0" * 40)
    import hashlib
    import marshal
    payload = marshal.dumps(("another lamina", (None, None), {}))
    packs[2].write_bytes(objcache._MAGIC + hashlib.sha256(payload).digest() + payload)
    counter = _Counter(monkeypatch)
    _render(root, "again", jobs=1)
    assert counter.calls == 18               # nothing usable: everything printed again
    assert _tree(root / "again") == expected
    counter.calls = 0
    _render(root, "third", jobs=1)           # rewritten whole by the render before
    assert counter.calls == 0 and _tree(root / "third") == expected


def test_an_entry_that_is_not_findings_is_a_miss(tmp_path: Path, cache: Path) -> None:
    root = _project(tmp_path / "p")
    _render(root, jobs=1)
    pack = objcache.Pack(str(root), "dev")
    assert pack.entries
    key = next(iter(pack.entries))
    assert pack.findings(key, 1, pack.keys[0]) is not None
    pack.entries[key] = (pack.entries[key][0], ("not", "findings"), None)
    assert pack.findings(key, 1, pack.keys[0]) is None
    assert pack.findings(key, 1, "another configuration") is None
    assert pack.text(b"no such key") is None


def test_no_cache_writes_no_pack(tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMINA_NO_CACHE", "1")
    root = _project(tmp_path / "p")
    _render(root, jobs=1)
    assert not (cache / "lamina" / "render").exists()


def test_object_keys_see_values_types_and_order() -> None:
    base = {"a": 1, "b": [1, "x"], "c": {"d": None}}
    key = objcache.object_key(base)
    assert key == objcache.object_key({"a": 1, "b": [1, "x"], "c": {"d": None}})
    assert key != objcache.object_key({"b": [1, "x"], "a": 1, "c": {"d": None}})
    assert key != objcache.object_key({"a": 1.0, "b": [1, "x"], "c": {"d": None}})
    assert key != objcache.object_key({"a": True, "b": [1, "x"], "c": {"d": None}})
    assert key != objcache.object_key({"a": 1, "b": [1, "x"], "c": {"d": ""}})
    from lamina.yaml.empty_value import EmptyValueKey
    assert objcache.object_key({EmptyValueKey("a"): 1}) != objcache.object_key({"a": 1})
    shared = "x" * 50
    assert objcache.object_key([shared, shared]) == objcache.object_key(["x" * 50, "x" * 50])


# ---- staging in the workers --------------------------------------------------------------

@pytest.mark.parametrize("jobs", [1, 2])
def test_parallel_and_serial_renders_agree(tmp_path: Path, jobs: int, monkeypatch) -> None:
    monkeypatch.setenv("LAMINA_NO_CACHE", "1")
    root = _project(tmp_path / "p", checks="checks:\n  rules:\n    probes: {level: warning}\n")
    serial = _render(root, "serial", jobs=1)
    other = _render(root, "other", jobs=jobs)
    assert _tree(root / "serial") == {k: v for k, v in _tree(root / "other").items()}
    assert _findings(serial.checks) == _findings(other.checks)
    assert serial.written == other.written and serial.resource_count == other.resource_count


def _leftovers(folder: Path) -> list[str]:
    return [str(p) for p in folder.rglob("*") if ".lamina-tmp" in p.name or p.name == JOURNAL]


@pytest.mark.parametrize("existing", [False, True])
def test_failed_checks_leave_the_output_as_it_was(tmp_path: Path, existing: bool) -> None:
    root = _project(tmp_path / "p")
    out = root / "rendered"
    if existing:
        _render(root, jobs=2)
    before = _tree(out) if existing else None
    write_tree(root, {"bases/svc2/service.yaml": SERVICE.format(name="svc2").replace(
        "targetPort: http", "targetPort: 9999"),
        "overlays/qa/kustomization.yaml": "namespace: shop-qa\nresources: [../../bases/svc0]\n"})
    with pytest.raises(ChecksFailed, match="nothing was written"):
        _render(root, jobs=2)
    if existing:
        assert _tree(out) == before and not _leftovers(out)
        assert not (out / "qa").exists()
    else:
        assert not out.exists()


def test_a_file_lamina_does_not_own_stops_everything(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    out = root / "rendered"
    _render(root, jobs=2)
    (out / "prod" / "shop-prod" / "service-svc0.yaml").unlink()
    ledger = json.loads((out / LEDGER).read_text())
    ledger["files"].remove("prod/shop-prod/service-svc0.yaml")
    (out / LEDGER).write_text(json.dumps(ledger))
    (out / "prod" / "shop-prod" / "service-svc0.yaml").write_text("mine\n")
    deploy = root / "bases" / "svc1" / "deploy.yaml"
    deploy.write_text(deploy.read_text().replace("containerPort: 8080", "containerPort: 8081"))
    with pytest.raises(OutputError, match="service-svc0.yaml exists but was not written by lamina"):
        _render(root, jobs=2)
    assert not _leftovers(out)
    assert "8080" in (out / "dev" / "shop-dev" / "deployment-svc1.yaml").read_text()


def test_a_new_target_folder_is_staged_whole_and_committed_by_the_journal(tmp_path: Path) -> None:
    from lamina.project.writer import commit, stage
    out = tmp_path / "out"
    staged = stage(str(out), "dev", {"a/x.yaml": "x: 1\n", "b.yaml": "b: 1\n"}, set())
    assert staged.folder == "dev" and (out / "dev.lamina-tmp" / "a" / "x.yaml").exists()
    assert not (out / "dev").exists()
    # killed after the journal was written, before its renames
    (out / JOURNAL).write_text(json.dumps({"rename": [], "rename_dirs": ["dev"], "remove": [],
                                           "ledger": ["dev/a/x.yaml", "dev/b.yaml"]}))
    recover(str(out))
    assert (out / "dev" / "a" / "x.yaml").read_text() == "x: 1\n"
    assert not _leftovers(out)
    assert json.loads((out / LEDGER).read_text())["files"] == ["dev/a/x.yaml", "dev/b.yaml"]
    # killed before the journal: the staged folder is only a leftover
    stage(str(out), "prod", {"p.yaml": "p: 1\n"}, set())
    recover(str(out))
    assert not (out / "prod").exists() and not _leftovers(out)
    # and a whole commit
    staged = stage(str(out), "prod", {"p.yaml": "p: 1\n"}, set())
    result = commit(str(out), [staged], ["dev/a/x.yaml", "dev/b.yaml", "prod/p.yaml"],
                    {"dev/a/x.yaml", "dev/b.yaml"}, {"prod"})
    assert result.written == ("prod/p.yaml",) and (out / "prod" / "p.yaml").exists()


_HANG = 600.0


def _gone(root: Path) -> bool:
    """No process is left working in `root` (the render's workers inherit its cwd).

    Waits for each such process to exit (its pidfd turns readable then) rather than polling
    for a while: under load a killed process can take any time to go. The long bound is only
    there so that a worker that never dies fails the test instead of hanging it.
    """
    for pid in _working_in(root):
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            continue
        try:
            if not select.select([fd], [], [], _HANG)[0]:
                return False
        finally:
            os.close(fd)
    return not _working_in(root)


def _working_in(root: Path) -> list[int]:
    left = []
    for pid in os.listdir("/proc"):
        try:
            if pid.isdigit() and os.readlink(f"/proc/{pid}/cwd") == str(root):
                left.append(int(pid))
        except OSError:
            continue
    return left


def test_killed_render_leaves_old_or_new_files_and_the_next_run_finishes(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", services=30)
    env = {**os.environ, "LAMINA_NO_CACHE": "1"}
    run_lamina("render", cwd=root, env=env, check=True)
    out = root / "rendered"
    old = _tree(out)
    for i in range(30):
        deploy = root / "bases" / f"svc{i}" / "deploy.yaml"
        deploy.write_text(deploy.read_text().replace("nginx:1.25", "nginx:1.26"))
    for delay in (0.3, 0.8, 1.5):
        proc = subprocess.Popen([*LAMINA, "render", "--jobs", "2"], cwd=root, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert _gone(root)    # the workers die with their parent
        for rel, data in _tree(out).items():
            if ".lamina-tmp" in rel or rel in (JOURNAL, LEDGER):
                continue
            text = data.decode()
            assert rel in old and ("1.25" in text or "1.26" in text or "deployment" not in rel)
    proc = run_lamina("render", cwd=root, env=env)
    assert proc.returncode == 0, proc.stderr
    assert not _leftovers(out)
    fresh = root / "fresh"
    run_lamina("render", "-o", fresh, "--all", cwd=root, env=env, check=True)
    assert _tree(out) == _tree(fresh)


def test_the_first_failing_target_is_reported(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", envs=("a1", "b2", "c3", "d4"))
    write_tree(root, {"overlays/b2/kustomization.yaml": "resources: [missing-b2]\n",
                      "overlays/d4/kustomization.yaml": "resources: [missing-d4]\n"})
    for jobs in (1, 2):
        with pytest.raises(Exception, match="missing-b2"):
            _render(root, jobs=jobs)
        assert not (root / "rendered").exists()


def test_an_unchanged_ledger_is_not_written_again(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    out = root / "rendered"
    _render(root, jobs=2)
    ledger = out / LEDGER
    before = (ledger.read_bytes(), ledger.stat().st_mtime_ns, ledger.stat().st_ino)
    deploy = root / "bases" / "svc1" / "deploy.yaml"
    deploy.write_text(deploy.read_text().replace("containerPort: 8080", "containerPort: 8081"))
    result = _render(root, render_all=False, jobs=2)
    assert result.written
    assert (ledger.read_bytes(), ledger.stat().st_mtime_ns, ledger.stat().st_ino) == before
    # a new file: the ledger is written, and lists it
    write_tree(root, {"bases/svc1/extra.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n",
                      "bases/svc1/kustomization.yaml":
                      "resources: [deploy.yaml, service.yaml, extra.yaml]\n"})
    _render(root, render_all=False, jobs=2)
    assert "dev/shop-dev/configmap-extra.yaml" in json.loads(ledger.read_text())["files"]


CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
"""


def _serial_targets(project) -> list:
    """Every target built in this process, as checks.gate.contexts takes them: the plain
    reference the engine's checks are compared with."""
    from types import SimpleNamespace
    from lamina.kustomize.dialect import ValuesOptions
    from lamina.project.layout import resource_paths
    from lamina.project.render import options_output, project_relative, render_target
    out = []
    for env in project.environments:
        for path, cluster in env.targets():
            def finish(resmap, inputs, source, command, unmatched, env=env, path=path):
                resources = list(resmap)
                objects = [(r.obj, project_relative(r.origin.source if r.origin else None,
                                                    env.overlay),
                            f"{options_output(project)}/{path}/{p}")
                           for r, p in zip(resources, resource_paths(resources))]
                return SimpleNamespace(path=path, environment=env.name, objects=objects,
                                       unmatched_patches=unmatched)
            out.append(render_target(project, env, path, cluster, ValuesOptions(), finish))
    return out


@pytest.mark.parametrize("preset, strict, crds", [(None, False, False), ("strict", False, True),
                                                  (None, True, True)])
def test_lamina_check_finds_what_checking_every_object_in_one_process_finds(
        tmp_path: Path, cache: Path, preset, strict: bool, crds: bool) -> None:
    import dataclasses
    from lamina.api.check import CheckOptions, check
    from lamina.checks.config import rules
    from lamina.checks.gate import contexts, load_crd_dir
    from lamina.checks.runner import run
    from lamina.project.config import load_project
    root = _project(tmp_path / "p")
    write_tree(root, {"crds/widget.yaml": CRD,
                      "overlays/dev/widget.yaml": "apiVersion: example.com/v1\nkind: Widget\n"
                                                  "metadata:\n  name: w\nspec:\n  size: big\n  colour: red\n",
                      "overlays/dev/kustomization.yaml":
                      (root / "overlays/dev/kustomization.yaml").read_text() + "- widget.yaml\n"})
    crd_dir = str(root / "crds") if crds else None
    project = load_project(str(root))
    configured = rules(project.checks, preset)
    if strict:
        configured = [dataclasses.replace(r, options=dataclasses.replace(r.options, require_digest=True))
                      if r.check_id == "image-tag" else r for r in configured]
    expected = run(contexts(project, _serial_targets(project), load_crd_dir(crd_dir)),
                   configured)
    for jobs in (1, 2, 2):      # the last one from the cache
        found = check(CheckOptions(project_dir=str(root), preset=preset, strict=strict,
                                   crd_dir=crd_dir, jobs=jobs))
        assert _findings(found) == _findings(expected)
        assert found.checked == expected.checked and found.skipped == expected.skipped
    assert any(f.check == "schema" and "Widget" in f.resource for f in expected.findings) == crds
    assert not (root / "rendered").exists()


def test_the_render_caches_are_clients_of_the_one_store(tmp_path: Path, cache: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The packs and the owners file sit in the store's `render` section, counted by
    `lamina cache info`, bound to their key, and LAMINA_NO_CACHE writes neither."""
    from lamina.api.cache import cache_info
    from lamina.project import owners
    root = _project(tmp_path / "p")
    monkeypatch.setenv("LAMINA_NO_CACHE", "1")
    _render(root, jobs=1)
    assert not (cache / "lamina" / "render").exists()
    monkeypatch.delenv("LAMINA_NO_CACHE")
    _render(root, "again", jobs=1)
    files = sorted(p for p in (cache / "lamina" / "render").rglob("*") if p.is_file())
    owner_files = [p for p in files if p.parent.name == "owners"]
    assert len(owner_files) == 1 and len(files) == len(_packs(cache)) + 1 == 4
    render = next(s for s in cache_info().sections if s.name == "render")
    assert render.files == 4 and render.bytes == sum(p.stat().st_size for p in files)
    targets = ["dev", "prod", "staging"]
    assert owners.recall(str(root), targets) is not None
    # the file of another set of targets moved into this one's place: a miss
    other = tmp_path / "other"
    _render(_project(other, envs=("dev", "prod")), jobs=1)
    theirs = [p for p in (cache / "lamina" / "render" / "owners").iterdir() if p != owner_files[0]]
    owner_files[0].write_bytes(theirs[0].read_bytes())
    assert owners.recall(str(root), targets) is None
