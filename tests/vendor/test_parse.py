"""Remote references split as Kustomize v5.8.1's NewRepoSpecFromURL splits them."""

from __future__ import annotations

import pytest

from lamina.vendor.parse import is_http_file, parse_repo_spec

CASES = [
    ("https://github.com/argoproj/argo-cd//manifests/cluster-install?ref=v2.13.1",
     "https://github.com/argoproj/argo-cd", "manifests/cluster-install", "v2.13.1"),
    ("github.com/kubernetes-sigs/kueue/config/default?ref=v0.9.0",
     "https://github.com/kubernetes-sigs/kueue", "config/default", "v0.9.0"),
    ("git@github.com:org/repo/base?ref=v1", "git@github.com:org/repo", "base", "v1"),
    ("ssh://git@github.com/org/repo//base", "git@github.com:org/repo", "base", ""),
    ("git@gitlab.com:org/repo.git//x?version=v2", "git@gitlab.com:org/repo.git", "x", "v2"),
    ("https://dev.azure.com/org/proj/_git/repo/path?ref=main",
     "https://dev.azure.com/org/proj/_git/repo", "path", "main"),
    ("https://example.com/org/repo.git/a/b?ref=t&version=u", "https://example.com/org/repo.git",
     "a/b", "t"),
    ("git::https://gitlab.com/org/repo//base", "https://gitlab.com/org/repo", "base", ""),
    ("file:///srv/git/repo//base?ref=v1", "file:///srv/git/repo", "base", "v1"),
]


@pytest.mark.parametrize(("raw", "clone", "path", "ref"), CASES)
def test_split(raw: str, clone: str, path: str, ref: str) -> None:
    spec = parse_repo_spec(raw)
    assert spec is not None
    assert (spec.clone_url, spec.path, spec.ref) == (clone, path, ref)


@pytest.mark.parametrize("raw", ["../base", "/abs/path", "base/app", "example.com/org/repo",
                                 "https://github.com/org/repo//../x"])
def test_not_remote_git(raw: str) -> None:
    assert parse_repo_spec(raw) is None


def test_query_options() -> None:
    spec = parse_repo_spec("https://github.com/o/r//b?ref=v1&timeout=2m30s&submodules=false")
    assert spec is not None and spec.timeout == 150.0 and spec.submodules is False
    spec = parse_repo_spec("https://github.com/o/r//b?timeout=61&submodules=nonsense")
    assert spec is not None and spec.timeout == 61.0 and spec.submodules is True


def test_file_urls_and_local_clones() -> None:
    assert is_http_file("https://github.com/cert-manager/cert-manager/releases/download/"
                        "v1.16.1/cert-manager.yaml")
    assert not is_http_file("https://github.com/org/repo//deploy.yaml?ref=v1")
    spec = parse_repo_spec("file:///srv/git/repo//base")
    assert spec is not None and spec.is_local
