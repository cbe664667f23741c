"""Whether a kustomization entry names a remote base or file. A module of its own, importing
nothing: every plain build asks it of every entry, and must not pay for the vendor's URL
parsing, fetching and lock."""

from __future__ import annotations


def is_remote(entry: str) -> bool:
    """A URL or git spec: Kustomize fetches it; lamina reads its vendored copy."""
    lowered = entry.lower()
    return (lowered.startswith(("http://", "https://", "git@", "ssh://", "git::", "file://", "gh:"))
            or lowered.startswith(("github.com/", "github.com:", "gitlab.com/", "bitbucket.org/"))
            or "?ref=" in lowered or "?version=" in lowered or ".git//" in lowered
            or "_git/" in lowered)
