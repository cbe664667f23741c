"""The rendered tree: one file per resource, a kustomization listing them, a README and
a machine-readable metadata file per environment.

rendered/<env>[/<cluster>]/
  <namespace>/<kind>-<name>.yaml      namespaced resources
  _cluster/<kind>-<name>.yaml         cluster-scoped resources
  kustomization.yaml                  lists every file, so `kubectl kustomize` and Flux read it
  README.md                           what this folder is and how to reproduce it
  hydrator.metadata                   JSON, field names after Argo CD's hydrator
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from lamina import __version__
from lamina.fsguard import fit_component, safe_component
from lamina.model.resmap import ResMap
from lamina.model.resource import Resource

CLUSTER_DIR = "_cluster"
METADATA_FILE = "hydrator.metadata"


@dataclass(frozen=True)
class SourceInfo:
    """The source commit a render came from (empty outside git)."""

    repo_url: str = ""
    sha: str = ""
    author: str = ""
    subject: str = ""
    date: str = ""


_SAFE: dict[str, str] = {}


def _safe(part: str) -> str:
    safe = _SAFE.get(part)
    if safe is None:
        if len(_SAFE) > 65536:
            _SAFE.clear()
        safe = _SAFE[part] = safe_component(part)
    return safe


def resource_paths(resources: list[Resource]) -> list[str]:
    """A stable, collision-free relative path for each resource, in the same order."""
    def short(r: Resource) -> str:
        folder = _safe(r.namespace) if (r.namespace and not r.gvk.is_cluster_scoped) else CLUSTER_DIR
        return f"{folder}/{_safe(r.kind.lower())}-{_safe(r.name)}.yaml"

    def long(r: Resource) -> str:
        folder = _safe(r.namespace) if (r.namespace and not r.gvk.is_cluster_scoped) else CLUSTER_DIR
        group = r.gvk.group or "core"
        return (f"{folder}/{_safe(r.kind.lower())}.{_safe(group)}.{_safe(r.gvk.version)}"
                f"-{_safe(r.name)}.yaml")

    shorts = [short(r) for r in resources]
    counts = Counter(shorts)
    paths = [long(r) if counts[s] > 1 else s for r, s in zip(resources, shorts)]
    final = Counter(paths)
    # Still clashing (e.g. two names differing only in characters made safe): number them.
    seen: Counter = Counter()
    out = []
    for p in paths:
        if final[p] > 1:
            seen[p] += 1
            p = p[:-5] + f"-{seen[p]}.yaml"
        folder, _, name = p.partition("/")
        out.append(f"{fit_component(folder)}/{fit_component(name, '.yaml')}")
    return out


def inputs_digest(inputs: dict[str, str]) -> str:
    """sha256 over (path, content digest) pairs of every file the render read."""
    h = hashlib.sha256()
    for path in sorted(inputs):
        h.update(path.encode() + b"\0" + inputs[path].encode() + b"\n")
    return h.hexdigest()


def environment_files(env_path: str, overlay: str, resmap: ResMap, inputs: dict[str, str],
                      source: SourceInfo, command: str, texts: list[str] | None = None,
                      paths: list[str] | None = None) -> dict[str, str]:
    """Every file of one rendered environment, relative to rendered/<env_path>/. `texts`
    and `paths`, when given, are each resource's printed YAML and resource_paths()."""
    from lamina.yaml import dump
    resources = list(resmap)
    if paths is None:
        paths = resource_paths(resources)
    if texts is None:
        texts = [dump(r.obj) for r in resources]
    files: dict[str, str] = dict(zip(paths, texts))
    listing = "".join(f"- {p}\n" for p in paths)
    files["kustomization.yaml"] = (
        "# Written by lamina: the rendered output of " + overlay + ". Do not edit.\n"
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "sortOptions:\n  order: fifo\n"
        + ("resources:\n" + listing if paths else "resources: []\n"))
    sources: dict[str, list[str]] = {}
    for p, r in zip(paths, resources):
        origin = r.origin
        src = []
        if origin is not None:
            if origin.source is not None:
                src.append(str(origin.source))
            elif origin.path:
                src.append(origin.path)
        sources[p] = src
    metadata: dict[str, Any] = {
        "repoURL": source.repo_url,
        "drySha": source.sha,
        "author": source.author,
        "subject": source.subject,
        "date": source.date,
        "commands": [command],
        "lamina": {
            "version": __version__,
            "environment": env_path,
            "overlay": overlay,
            "inputsDigest": inputs_digest(inputs),
            "inputs": dict(sorted(inputs.items())),
            "resources": sources,
        },
    }
    files[METADATA_FILE] = _json_indented(metadata) + "\n"
    files["README.md"] = _readme(env_path, overlay, source, command, len(paths))
    return files


def json_text(value: Any) -> str:
    """json.dumps(value, indent=2), as every metadata file is written."""
    return _json_indented(value)


def _json_indented(value: Any, pad: str = "") -> str:
    """json.dumps(value, indent=2), byte for byte, for the metadata's shapes (dicts with
    string keys, lists, strings, numbers, booleans, None), without the pure-Python encoder
    json.dumps falls back to whenever it indents: flat string maps and lists go through the
    C encoder, with the line break and indent as separator."""
    if isinstance(value, (dict, list)) and not value:
        return "{}" if isinstance(value, dict) else "[]"
    inner = pad + "  "
    if isinstance(value, dict) and all(type(k) is str for k in value):
        if all(type(v) is str for v in value.values()):
            return "{\n" + inner + json.dumps(value, separators=(",\n" + inner, ": "))[1:-1] + \
                "\n" + pad + "}"
        return "{\n" + ",\n".join(inner + json.dumps(k) + ": " + _json_indented(v, inner)
                                   for k, v in value.items()) + "\n" + pad + "}"
    if isinstance(value, list):
        if all(type(v) is str for v in value):
            return "[\n" + inner + json.dumps(value, separators=(",\n" + inner, ": "))[1:-1] + \
                "\n" + pad + "]"
        return "[\n" + ",\n".join(inner + _json_indented(v, inner) for v in value) + "\n" + pad + "]"
    if isinstance(value, dict):
        return json.dumps(value, indent=2).replace("\n", "\n" + pad)
    return json.dumps(value)


def _readme(env_path: str, overlay: str, source: SourceInfo, command: str, count: int) -> str:
    sha = source.sha or "(not a git checkout)"
    lines = [
        f"# Rendered manifests: {env_path}",
        "",
        f"This folder is written by lamina {__version__}. It holds the {count} Kubernetes "
        f"resources rendered from `{overlay}`, one file per resource, plus a",
        "`kustomization.yaml` listing them so `kubectl kustomize` and Flux read it unchanged.",
        "Do not edit these files: change the source and render again.",
        "",
        f"- source repository: {source.repo_url or '(none)'}",
        f"- source commit: {sha}",
        "",
        "To reproduce:",
        "",
        "```sh",
    ]
    if source.repo_url:
        lines.append(f"git clone {source.repo_url} src && cd src")
    if source.sha:
        lines.append(f"git checkout {source.sha}")
    lines += [command, "```", ""]
    return "\n".join(lines)
