"""Finding the environments of an existing Kustomize repository, whatever its layout.

Every folder holding a kustomization is read. Those another kustomization includes (as a
resource, base or component), Components, and Flux's own bootstrap folders are building
blocks; the rest are what someone builds and deploys: the proposed environments. Their
names come from their paths, without the words layouts use to group them:

  overlays/prod                     -> prod
  envs/prod, environments/prod      -> prod
  clusters/eu-1/prod                -> eu-1-prod
  apps/shop/overlays/prod           -> shop-prod
  deploy/kustomize/overlay/prod     -> prod
  kustomize (a lone root)           -> default
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import yaml

from lamina.kustomize.loader import KUSTOMIZATION_FILE_NAMES

# Folder names that group kustomizations rather than name an environment.
CONTAINER_WORDS = frozenset({
    "overlays", "overlay", "envs", "env", "environments", "environment", "clusters", "cluster",
    "apps", "applications", "kustomize", "kustomization", "deploy", "deployment",
    "deployments", "k8s", "kube", "kubernetes", "manifests", "stages", "variants", "targets",
    "instances", "gitops", "infra", "config",
})
# Folder names of building blocks that no overlay happens to reference (yet).
BLOCK_WORDS = frozenset({"base", "bases", "components", "component", "common", "shared",
                         "crds", "templates"})
_SKIP_DIRS = frozenset({"node_modules", "vendor", "__pycache__", "venv", "site-packages"})
_FLUX_BOOTSTRAP = ("gotk-components.yaml", "gotk-sync.yaml")
_NAME_JUNK = re.compile(r"[^a-z0-9._-]+")
_REMOTE = re.compile(r"^(https?://|git@|ssh://|github\.com/|gitlab\.com/|bitbucket\.org/)")


@dataclass(frozen=True)
class Proposal:
    name: str          # the environment's name in lamina.yaml
    overlay: str       # its folder, relative to the root, with '/' separators


@dataclass(frozen=True)
class Discovery:
    environments: tuple[Proposal, ...]
    kustomizations: int                     # folders holding a kustomization
    building_blocks: tuple[str, ...]        # bases and components
    skipped: tuple[tuple[str, str], ...]    # (folder, why it is not an environment)


def _kustomization_file(directory: str) -> str | None:
    for name in KUSTOMIZATION_FILE_NAMES:
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            return path
    return None


def _walk(root: str, output_dir: str | None) -> list[str]:
    """Folders (relative, '/'-separated, '.' for the root) holding a kustomization."""
    found = []
    for current, dirs, _files in os.walk(root):
        rel = os.path.relpath(current, root).replace(os.sep, "/")
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS
                         and (rel == "." and d == output_dir) is False)
        if os.path.isfile(os.path.join(current, "hydrator.metadata")):
            dirs[:] = []                  # lamina's own rendered output
            continue
        if _kustomization_file(current):
            found.append(rel)
    return found


def _read(path: str) -> dict | None:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = yaml.load(fh, Loader=yaml.CSafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return doc if isinstance(doc, dict) else None


def _references(rel: str, doc: dict) -> list[str]:
    refs = []
    for key in ("resources", "bases", "components"):
        items = doc.get(key)
        if not isinstance(items, list):
            continue
        for item in items:
            if isinstance(item, str) and not _REMOTE.match(item) and "?" not in item:
                refs.append(os.path.normpath(os.path.join(rel, item)).replace(os.sep, "/"))
    return refs


def _name(rel: str) -> str:
    parts = [p.lower() for p in rel.split("/") if p not in (".", "")]
    kept = [p for p in parts if p not in CONTAINER_WORDS]
    name = _NAME_JUNK.sub("-", "-".join(kept)).strip("-._")
    return name[:63].strip("-._") or "default"


def _full_name(rel: str) -> str:
    name = _NAME_JUNK.sub("-", rel.lower().replace("/", "-")).strip("-._")
    return name[:63].strip("-._") or "default"


def discover(root: str, output_dir: str | None = "rendered") -> Discovery:
    """The environments a repository's kustomizations suggest (nothing is written)."""
    root = os.path.realpath(root)
    folders = _walk(root, output_dir)
    present = set(folders)
    referenced: set[str] = set()
    blocks: list[str] = []
    skipped: list[tuple[str, str]] = []
    docs: dict[str, dict | None] = {}
    for rel in folders:
        doc = docs[rel] = _read(_kustomization_file(os.path.join(root, rel)) or "")
        if doc is not None:
            referenced.update(r for r in _references(rel, doc) if r in present)
    roots = []
    for rel in folders:
        doc = docs[rel]
        base = rel.rsplit("/", 1)[-1].lower()
        if doc is None:
            skipped.append((rel, "its kustomization is not a readable YAML mapping"))
        elif doc.get("kind") == "Component":
            blocks.append(rel)
        elif rel in referenced:
            blocks.append(rel)
        elif base == "flux-system" or any(
                os.path.isfile(os.path.join(root, rel, f)) for f in _FLUX_BOOTSTRAP):
            skipped.append((rel, "Flux's own bootstrap (flux-system)"))
        elif any(part.lower() in BLOCK_WORDS for part in rel.split("/")):
            blocks.append(rel)          # base/, bases/<app>/, components/<x>/ ...
        else:
            roots.append(rel)
    names = [_name(rel) for rel in roots]
    clashing = {n for n in names if names.count(n) > 1}
    names = [_full_name(rel) if n in clashing else n for rel, n in zip(roots, names)]
    seen: dict[str, int] = {}
    proposals = []
    for rel, name in zip(roots, names):
        if name in seen:              # still the same after using the whole path
            seen[name] += 1
            name = f"{name}-{seen[name]}"
        seen.setdefault(name, 1)
        proposals.append(Proposal(name, rel))
    return Discovery(tuple(proposals), len(folders), tuple(blocks), tuple(skipped))
