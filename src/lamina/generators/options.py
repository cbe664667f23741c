"""generatorOptions: labels, annotations, disableNameSuffixHash and immutable.

A kustomization's `generatorOptions` apply to each of its generator entries, merged with
the entry's own `options` the way Kustomize's MergeGlobalOptionsIntoLocal does it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Mapping

from lamina.yaml.gojson import json_type_name  # noqa: F401 (re-exported)
from lamina.errors import KustomizationError


def merge_generator_options(local: dict | None, global_: dict | None) -> dict | None:
    """Merge a kustomization's `generatorOptions` (global_) into one entry's `options`.

    A key the entry sets in labels or annotations keeps the entry's value; the global map
    only fills missing keys. The two booleans cannot be switched off locally: a global
    `true` wins, because Go cannot tell an explicit `false` from an absent one.
    Returns None when both are None, as Kustomize leaves the options unset then.
    """
    if global_ is None:
        return copy.deepcopy(local)
    merged: dict[str, Any] = copy.deepcopy(local) if local is not None else {}
    for name in ("labels", "annotations"):
        theirs = global_.get(name)
        mine = merged.get(name)
        if mine is None:
            if theirs is not None:
                merged[name] = dict(theirs)
            continue
        for key, value in (theirs or {}).items():
            mine.setdefault(key, value)
    for name in ("disableNameSuffixHash", "immutable"):
        if global_.get(name) is True:
            merged[name] = True
    return merged


@dataclass(frozen=True)
class GeneratorOptions:
    """One entry's options after merging, checked for the types Kustomize accepts."""

    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    disable_name_suffix_hash: bool = False
    immutable: bool = False

    @classmethod
    def from_config(cls, options: Any, where: str) -> "GeneratorOptions":
        if options is None:
            return cls()
        if not isinstance(options, dict):
            raise _type_error(options, f"{where}.options", "GeneratorOptions")
        return cls(
            labels=_string_map(options.get("labels"), f"{where}.options.labels"),
            annotations=_string_map(options.get("annotations"), f"{where}.options.annotations"),
            disable_name_suffix_hash=_bool(options.get("disableNameSuffixHash"),
                                           f"{where}.options.disableNameSuffixHash"),
            immutable=_bool(options.get("immutable"), f"{where}.options.immutable"),
        )


def _string_map(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _type_error(value, where, "map[string]string")
    out: dict[str, str] = {}
    for key, item in value.items():
        if item is None:
            item = ""
        if not isinstance(item, str):
            raise _type_error(item, where, "string")
        out[str(key)] = item
    return out


def _bool(value: Any, where: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _type_error(value, where, "bool")
    return value


def _type_error(value: Any, where: str, go_type: str) -> KustomizationError:
    return KustomizationError(
        f"invalid Kustomization: json: cannot unmarshal {json_type_name(value)} "
        f"into Go struct field {where} of type {go_type}")
