"""Reading kustomization files the way Kustomize reads them.

Kustomize decodes resources with go-yaml v3 (see reader.py) but its own kustomization
file with sigs.k8s.io/yaml, that is go-yaml v2: YAML 1.1 scalars and, for a repeated key,
the last value wins silently. PyYAML's safe loader has exactly those two behaviours, so it
is the right model here — guarded against alias bombs like every other read.
"""

from __future__ import annotations

from typing import Any

import yaml

from lamina.errors import SourceRef, YamlError

MAX_EXPANDED_NODES = 1_000_000


def _expanded_size(obj: Any, memo: dict[int, int], stack: set[int]) -> int:
    key = id(obj)
    if key in memo:
        return memo[key]
    if isinstance(obj, (dict, list)):
        if key in stack:
            raise YamlError("recursive alias")
        stack.add(key)
        children = obj.values() if isinstance(obj, dict) else obj
        size = 1 + sum(_expanded_size(c, memo, stack) for c in children)
        stack.discard(key)
    else:
        size = 1
    memo[key] = size
    return size


def load_kustomization_text(text: str, path: str) -> tuple[Any, int]:
    """The first document of a kustomization file and its line; (None, 1) when empty."""
    try:
        loader = yaml.CSafeLoader(text)
        try:
            docs = []
            if loader.check_node():
                node = loader.get_node()
                if node is not None:
                    docs.append((loader.construct_document(node), node.start_mark.line + 1))
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise YamlError(f"invalid Kustomization: {exc.problem}",
                        SourceRef(path, mark.line + 1 if mark else None)) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid Kustomization: {exc}", SourceRef(path)) from None
    if not docs:
        return None, 1
    data, line = docs[0]
    try:
        if _expanded_size(data, {}, set()) > MAX_EXPANDED_NODES:
            raise YamlError("document expands to too many nodes (alias bomb?)", SourceRef(path, line))
    except RecursionError:
        raise YamlError("document nests too deeply", SourceRef(path, line)) from None
    except YamlError as exc:
        raise YamlError(exc.message, SourceRef(path, line)) from None
    return data, line
