"""Caches are trusted only when bound to their key, and hold nothing secret in plaintext.

The cache folder may be shared between CI runs and branches (the docs suggest caching it),
so anyone who can write one branch's entries can place them where another branch looks.
Every entry carries the digest of the key it answers inside its checksummed payload: an
entry in the wrong place is a miss, and the output is what a build without a cache gives.
"""

from __future__ import annotations

import base64
import os
import zlib
from pathlib import Path

import pytest

from lamina.store import cachefile
from tests.helpers.cli import run_lamina
from tests.helpers.trees import write_tree

SECRET_VALUE = "s3cr3t-Value-7f2c1e"

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
      containers:
      - name: main
        image: nginx:1.25
"""


def _project(root: Path, large: bool = False, secret: bool = True) -> Path:
    """Two environments whose overlays differ (namespace, replicas, prefix), one base,
    with a generated Secret unless `secret` is false; with `large`, each overlay also reads
    a large file of its own (the document cache keeps those)."""
    generator = ("secretGenerator:\n- name: creds\n  literals: [password=" + SECRET_VALUE + "]\n"
                 if secret else "")
    files = {
        "lamina.yaml": "apiVersion: lamina.dev/v1alpha1\nkind: Project\n",
        "bases/app/kustomization.yaml": "resources: [deploy.yaml]\n" + generator,
        "bases/app/deploy.yaml": DEPLOY.format(name="app"),
    }
    for env, replicas in (("dev", 1), ("prod", 5)):
        resources = "- ../../bases/app\n" + ("- big.yaml\n" if large else "")
        files[f"overlays/{env}/kustomization.yaml"] = (
            f"namespace: shop-{env}\nnamePrefix: {env}-\nresources:\n{resources}"
            f"replicas:\n- name: app\n  count: {replicas}\n")
        if large:
            data = "".join(f"  k{i}: {env}-{'v' * 40}-{i}\n" for i in range(6000))
            files[f"overlays/{env}/big.yaml"] = (
                f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big-{env}\ndata:\n{data}")
    return write_tree(root, files)


def _env(cache: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "LAMINA_NO_CACHE"}
    return {**env, "XDG_CACHE_HOME": str(cache), **extra}


def _entries(cache: Path, section: str) -> list[Path]:
    return sorted(p for p in (cache / "lamina" / section).rglob("*")
                  if p.is_file() and not p.name.startswith(".tmp-"))


def _rotate(paths: list[Path]) -> None:
    """Give every entry the bytes of the next one: each is now in another key's place."""
    assert len(paths) >= 2
    blobs = [p.read_bytes() for p in paths]
    for path, blob in zip(paths, blobs[1:] + blobs[:1]):
        path.write_bytes(blob)


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _render(root: Path, out: str, env: dict[str, str]) -> dict[str, bytes]:
    done = run_lamina("render", "--all", "--no-checks", "--project", root, "-o", root / out,
                      env=env)
    assert done.returncode == 0, done.stderr
    return _tree(root / out)


def test_build_records_swapped_between_overlays_are_misses(tmp_path: Path) -> None:
    # Without a Secret: an entry whose output holds one is never kept, so always rebuilt.
    root, cache = _project(tmp_path / "p", secret=False), tmp_path / "cache"
    expected = _render(root, "fresh", _env(cache, LAMINA_NO_CACHE="1"))
    assert _render(root, "first", _env(cache)) == expected
    records = _entries(cache, "builds")
    assert len(records) == 2
    _rotate(records)
    assert _render(root, "second", _env(cache)) == expected


def test_render_packs_swapped_between_targets_are_misses(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lamina.project import objcache
    root, cache = _project(tmp_path / "p"), tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.delenv("LAMINA_NO_CACHE", raising=False)
    expected = _render(root, "fresh", _env(cache, LAMINA_NO_CACHE="1"))
    _render(root, "first", _env(cache))
    dev, prod = objcache.Pack(str(root), "dev"), objcache.Pack(str(root), "prod")
    assert dev.entries and prod.entries
    _rotate([Path(dev.path), Path(prod.path)])
    assert not objcache.Pack(str(root), "dev").entries
    assert not objcache.Pack(str(root), "prod").entries
    assert _render(root, "second", _env(cache)) == expected


def test_document_cache_entries_swapped_are_misses(tmp_path: Path) -> None:
    root, cache = _project(tmp_path / "p", large=True), tmp_path / "cache"
    expected = {}
    for env in ("dev", "prod"):
        done = run_lamina("build", root / "overlays" / env, env=_env(cache, LAMINA_NO_CACHE="1"))
        assert done.returncode == 0, done.stderr
        expected[env] = done.stdout
    for env in ("dev", "prod"):
        assert run_lamina("build", root / "overlays" / env, env=_env(cache)).stdout == expected[env]
    docs = _entries(cache, "docs")
    assert len(docs) >= 2
    _rotate(docs)
    for env in ("dev", "prod"):
        done = run_lamina("build", root / "overlays" / env, env=_env(cache))
        assert done.returncode == 0, done.stderr
        assert done.stdout == expected[env]


def test_an_entry_answers_only_its_own_key(tmp_path: Path) -> None:
    path = str(tmp_path / "entry")
    cachefile.write_entry(path, b"magic\n", "key-a", b"payload")
    assert cachefile.read_entry(path, b"magic\n", "key-a") == b"payload"
    assert cachefile.read_entry(path, b"magic\n", "key-b") is None
    blob = bytearray(Path(path).read_bytes())
    blob[-1] ^= 1
    Path(path).write_bytes(bytes(blob))
    with pytest.raises(cachefile.Damaged):
        cachefile.read_entry(path, b"magic\n", "key-a")


def _readable(path: Path) -> bytes:
    """The bytes of a cache file as anyone could read them: compressed payloads (build
    records) inflated."""
    blob = path.read_bytes()
    _magic, _, rest = blob.partition(b"\n")
    try:
        return blob + zlib.decompress(rest[64:])
    except zlib.error:
        return blob


@pytest.mark.parametrize("large", [False, True])
def test_no_secret_value_is_cached_in_plaintext(tmp_path: Path, large: bool) -> None:
    root, cache = _project(tmp_path / "p", large=large), tmp_path / "cache"
    if large:   # a large file of Secrets goes through the document cache's reader
        values = "".join(f"  k{i}: {SECRET_VALUE}-{'x' * 40}\n" for i in range(6000))
        write_tree(root, {"overlays/dev/big.yaml": (
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: big-dev\n"
            f"stringData:\n{values}")})
    for _ in range(2):
        _render(root, "rendered", _env(cache))
        run_lamina("check", "--project", root, env=_env(cache))
    rendered = b"".join(_tree(root / "rendered").values())
    encoded = base64.b64encode(SECRET_VALUE.encode())
    assert encoded in rendered
    files = [p for p in (cache / "lamina").rglob("*") if p.is_file()]
    assert files, "the caches were used"
    for path in files:
        blob = _readable(path)
        assert SECRET_VALUE.encode() not in blob, path
        assert encoded not in blob, path
