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


class _GoYamlV2Loader(yaml.CSafeLoader):
    """PyYAML's YAML 1.1 resolver adjusted to go-yaml v2's: `y`/`n` are booleans too, `0o17`
    is an octal number, and neither `1:20` (base 60) nor dates become numbers or times."""


def _resolvers() -> dict:
    import re
    table: dict = {}
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items():
        kept = [(tag, rx) for tag, rx in resolvers
                if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int",
                               "tag:yaml.org,2002:bool",
                               # PyYAML's `=` "value" type, which go-yaml v2 reads as text
                               # (replacement options use `delimiter: =`).
                               "tag:yaml.org,2002:value")]
        table[first] = kept
    bool_rx = re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE"
                         r"|on|On|ON|off|Off|OFF)$")
    int_rx = re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)"
                        r"|[-+]?0x[0-9a-fA-F_]+)$")
    for ch in "yYnNtTfFoO":
        table.setdefault(ch, []).insert(0, ("tag:yaml.org,2002:bool", bool_rx))
    # go-yaml v2 takes whatever strconv.ParseFloat takes; YAML 1.1's float pattern wants
    # a dot, so `1e3` would otherwise stay text.
    exp_rx = re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$")
    digits_rx = re.compile(r"^[-+]?[0-9][0-9_]*$")
    for ch in "-+0123456789":
        table.setdefault(ch, []).insert(0, ("tag:yaml.org,2002:int", int_rx))
        table[ch].append(("tag:yaml.org,2002:float", exp_rx))
        # Digits that strconv.ParseInt rejects with base 0 (a leading 0 followed by an 8 or
        # a 9, as in `08`) still match go-yaml v2's yamlStyleFloat, so Kustomize reads them
        # as numbers: `commonLabels: {a: 08}` fails there, and must fail here too.
        table[ch].append(("tag:yaml.org,2002:float", digits_rx))
    return table


_GoYamlV2Loader.yaml_implicit_resolvers = _resolvers()


def _construct_bool(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> bool:
    return loader.construct_scalar(node) in ("y", "Y", "yes", "Yes", "YES", "true", "True",
                                             "TRUE", "on", "On", "ON")


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node).replace("_", "")
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("+-")
    if text.startswith("0b"):
        return sign * int(text[2:], 2)
    if text.startswith("0x"):
        return sign * int(text[2:], 16)
    if text.startswith("0o"):
        return sign * int(text[2:], 8)
    if len(text) > 1 and text.startswith("0"):
        return sign * int(text, 8)
    return sign * int(text)


_GoYamlV2Loader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)
_GoYamlV2Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def load_kustomization_text(text: str, path: str) -> tuple[Any, int]:
    """The first document of a kustomization file and its line; (None, 1) when empty."""
    try:
        loader = _GoYamlV2Loader(text)
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
