"""Where policies come from.

- `lamina.yaml` `policies:` lists folders or files (inside the project) of policy objects:
  vendored copies of what the clusters run, or the clusters' own policy manifests;
- an environment's `policies: {add: [...], skip: [...]}` adds folders or files and skips
  policies by name (`name` or `Kind/name`), as each cluster is configured;
- policy objects the environment's own render contains (a `policies` overlay) count too.

Every other object in a policy file is kept as a candidate parameter object (a
ValidatingAdmissionPolicy's paramKind, e.g. a ConfigMap), beside the rendered ones.
"""

from __future__ import annotations

import os
from typing import Any, Iterable

from lamina.errors import SourceRef
from lamina.policies.model import PolicyDoc, PolicyError

VAP_GROUP = "admissionregistration.k8s.io"
GATEKEEPER_TEMPLATE_GROUP = "templates.gatekeeper.sh"
GATEKEEPER_CONSTRAINT_GROUP = "constraints.gatekeeper.sh"
KYVERNO_GROUP = "kyverno.io"
VAP_KINDS = ("ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding")
KYVERNO_KINDS = ("ClusterPolicy", "Policy")
_SUFFIXES = (".yaml", ".yml", ".json")


def is_policy(data: dict[str, Any]) -> bool:
    """Whether an object is one the policy engines act on (not a mere parameter)."""
    kind = str(data.get("kind") or "")
    group = str(data.get("apiVersion") or "").rpartition("/")[0]
    return ((group == VAP_GROUP and kind in VAP_KINDS)
            or (group == GATEKEEPER_TEMPLATE_GROUP and kind == "ConstraintTemplate")
            or group == GATEKEEPER_CONSTRAINT_GROUP
            or (group == KYVERNO_GROUP and kind in KYVERNO_KINDS))


def _entry(root: str, where: SourceRef | None, rel: str) -> SourceRef | None:
    """`where` (lamina.yaml) at the line of the `policies:` entry that reads `rel`."""
    if where is None or where.line is not None:
        return where
    import yaml
    try:
        with open(os.path.join(root, where.path), encoding="utf-8") as fh:
            events = list(yaml.parse(fh.read(), Loader=yaml.CSafeLoader))
    except (OSError, yaml.YAMLError):
        return where
    for event in events:
        mark = event.start_mark
        if isinstance(event, yaml.ScalarEvent) and event.value == rel and mark is not None:
            return SourceRef(where.path, mark.line + 1, mark.column + 1)
    return where


def _files(root: str, rel: str, where: SourceRef | None) -> list[str]:
    full = os.path.realpath(os.path.join(root, rel))
    if os.path.isabs(rel) or not (full == root or full.startswith(root + os.sep)):
        raise PolicyError(f"policies: '{rel}' is outside the project root: list a folder or "
                          "file inside it", _entry(root, where, rel))
    if os.path.isfile(full):
        return [full]
    if not os.path.isdir(full):
        raise PolicyError(f"policies: '{rel}' does not exist (list folders or files of "
                          "policy objects, relative to the project root)", _entry(root, where, rel))
    out: list[str] = []
    for top, dirs, names in os.walk(full):
        dirs.sort()
        # Kyverno test folders and Gatekeeper samples hold resources, not policies.
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        out.extend(os.path.join(top, n) for n in sorted(names) if n.endswith(_SUFFIXES))
    return sorted(out)


_FILE_CACHE: dict[tuple[str, float, int], tuple[PolicyDoc, ...]] = {}


def load_file(path: str, display: str) -> tuple[PolicyDoc, ...]:
    """Every mapping document of one file, with its line (cached by file identity)."""
    from lamina.yaml import load_all_with_lines
    st = os.stat(path)
    key = (path, st.st_mtime, st.st_size)
    if key in _FILE_CACHE:
        return _FILE_CACHE[key]
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    docs = []
    for doc, line in load_all_with_lines(text, display):
        items = doc.get("items") if isinstance(doc, dict) and str(doc.get("kind", "")).endswith("List") else None
        for item in (items if isinstance(items, list) else [doc]):
            if isinstance(item, dict) and item.get("kind"):
                docs.append(PolicyDoc(item, SourceRef(display, line)))
    _FILE_CACHE[key] = found = tuple(docs)
    return found


def load_paths(root: str, paths: Iterable[str], where: SourceRef | None = None) -> list[PolicyDoc]:
    root = os.path.realpath(root)
    out: list[PolicyDoc] = []
    for rel in paths:
        for path in _files(root, rel, where):
            out.extend(load_file(path, os.path.relpath(path, root)))
    return out


def skipped(doc: PolicyDoc, skip: Iterable[str]) -> bool:
    return any(s in (doc.name, doc.ident) for s in skip)


def select(configured: list[PolicyDoc], rendered: Iterable[PolicyDoc],
           skip: tuple[str, ...]) -> tuple[PolicyDoc, ...]:
    """The environment's policy objects: configured ones, then rendered ones (a rendered
    object replaces a configured one of the same kind and name), less the skipped."""
    by_id: dict[str, PolicyDoc] = {}
    params: list[PolicyDoc] = []
    for doc in [*configured, *rendered]:
        if not is_policy(doc.data):
            if doc.origin == "config":
                params.append(doc)
            continue
        if not skipped(doc, skip):
            by_id[f"{doc.api_group}/{doc.ident}"] = doc
    return (*by_id.values(), *params)


def for_environment(project: Any, env: Any) -> tuple[PolicyDoc, ...]:
    """The policy objects lamina.yaml gives one environment: `policies:` plus its own
    `policies.add` (each file read once per process)."""
    if not (project.policies or env.policies_add):
        return ()
    where = SourceRef(os.path.relpath(project.source, project.root)) if project.source else None
    return tuple(load_paths(project.root, (*project.policies, *env.policies_add), where))
