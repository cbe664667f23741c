"""LabelTransformer: add labels at field-spec locations (`commonLabels:` and `labels:`).

Kustomize configures one LabelTransformer per `labels:` entry (field specs computed by
`label_field_specs`) and one for `commonLabels` (the commonLabels field-spec family, which
reaches selectors and pod templates too). Values are written as strings; an existing
entry with the same key is overwritten.

The map-entry setter here is shared with AnnotationsTransformer, which differs only in
its config key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from lamina.errors import KustomizationError, ResourceError
from lamina.model.resmap import ResMap
from lamina.transformers.base import PluginContext, Tracer
from lamina.transformers.fieldspecs import FieldSpec, TransformerConfig, default_config, merge_fs
from lamina.transformers.fieldwalk import WrongNodeKind, apply_fieldspecs
from lamina.yaml.scalars import parse_timestamp, resolve_v3

_METADATA_LABELS = FieldSpec(path="metadata/labels", create=True)
_LABEL_ENTRY_KEYS = frozenset(("pairs", "includeSelectors", "includeTemplates", "fields"))


def string_map(raw: Any, what: str) -> tuple[tuple[str, str], ...]:
    """Read a map of string values the way Kustomize decodes `map[string]string`: a null
    value becomes "", while numbers and booleans are refused (they must be quoted)."""
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise KustomizationError(f"{what} must be a map of strings, got {type(raw).__name__}")
    out = []
    for key, value in raw.items():
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise KustomizationError(
                f"{what}: the value of {key!r} must be a string, got {type(value).__name__} "
                f"{value!r} (quote it)")
        out.append((str(key), value))
    return tuple(sorted(out))


def field_specs(raw: Any, what: str, strict: bool = False) -> tuple[FieldSpec, ...]:
    """Plugin configs carry field specs as dicts; the build core may pass FieldSpec objects.
    Kustomize decodes plugin configs leniently (unknown keys ignored) but a kustomization's
    own fields strictly, hence `strict`."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise KustomizationError(f"{what} must be a list of field specs")
    return tuple(fs if isinstance(fs, FieldSpec) else FieldSpec.from_dict(fs, what, strict=strict)
                 for fs in raw)


def _plain_key_reads_as_string(key: str) -> bool:
    """Whether `key`, written as a plain scalar, decodes (go-yaml v3) back to a string.
    Kustomize round-trips through such a decode, and a map with a bool, null, number or
    timestamp key cannot become JSON, so adding e.g. label `true` or `1` fails there."""
    return isinstance(resolve_v3(key), str) and parse_timestamp(key) is None


def _v3_kind(key: str) -> str:
    if parse_timestamp(key) is not None:
        return "timestamp"
    value = resolve_v3(key)
    return "null" if value is None else type(value).__name__


def _node_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "MappingNode"
    if isinstance(value, list):
        return "SequenceNode"
    return "ScalarNode"


class SharedNode:
    """Stands for one YAML node that Kustomize hangs under several map keys at once.

    One label transformer run creates a single value node per (resource, key) and attaches
    it everywhere the key is new: metadata, selector, pod template. Those places stay one
    node for the rest of the build, overlays included, so a later transformer that
    overwrites the value at one of them changes all of them. `value` is what the node
    holds; a place whose value differs was changed by something that did not share (a
    JSON patch), and has left the group.
    """

    __slots__ = ("value",)

    def __init__(self, value: str):
        self.value = value


class EntryMap(dict[str, Any]):
    """A label or annotation map that knows which of its entries are SharedNodes."""

    __slots__ = ("shared",)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.shared: dict[str, SharedNode] = {}


def set_shared_entry(root: Any, mapping: dict[str, Any], key: str, value: Any) -> None:
    """Set `mapping[key] = value` the way Kustomize overwrites a node in place: when the
    entry is a SharedNode, every place in `root` (one object) that holds it changes too."""
    if isinstance(mapping, EntryMap):
        node = mapping.shared.get(key)
        if node is not None:
            if mapping.get(key) == node.value:
                _overwrite_members(root, key, node, value)
                node.value = value
            else:
                del mapping.shared[key]
    mapping[key] = value


def _overwrite_members(root: Any, key: str, node: SharedNode, value: Any) -> None:
    stack = [root]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            if isinstance(cur, EntryMap) and cur.shared.get(key) is node and cur.get(key) == node.value:
                cur[key] = value
            stack.extend(v for v in cur.values() if isinstance(v, (dict, list)))
        elif isinstance(cur, list):
            stack.extend(v for v in cur if isinstance(v, (dict, list)))


@dataclass(frozen=True)
class MapEntryTransformer:
    """Sets fixed key/value pairs in the map found at each field spec."""

    entries: tuple[tuple[str, str], ...]
    field_specs: tuple[FieldSpec, ...]
    tracer: Tracer | None = None
    origin: Any = None

    def _setter(self, res: Any, fs: FieldSpec, fresh: dict[str, SharedNode]) -> Callable[[Any], Any]:
        def put(value: Any) -> Any:
            if value is None:
                # A missing or null field is turned into a map only where the spec may
                # create; elsewhere Kustomize leaves the null alone.
                if not fs.create:
                    return None
                value = {}
            if not isinstance(value, dict):
                raise WrongNodeKind("MappingNode", _node_kind(value))
            if not isinstance(value, EntryMap):
                value = EntryMap(value)
            for key, val in self.entries:
                if key == "":
                    # Kustomize takes an empty key to mean "set this scalar".
                    raise WrongNodeKind("ScalarNode", "MappingNode")
                if key in value:
                    if value.shared.get(key) is fresh.get(key):
                        value[key] = val
                    else:
                        set_shared_entry(res.obj, value, key, val)
                else:
                    if not _plain_key_reads_as_string(key):
                        raise ResourceError(
                            f"{res.cur_id}: cannot add key {key!r} at '{fs.path}': Kustomize "
                            "writes new keys unquoted, and this one reads back as a "
                            f"{_v3_kind(key)}, which fails with 'json: unsupported type'")
                    value[key] = val
                    value.shared[key] = fresh.setdefault(key, SharedNode(val))
                if self.tracer is not None:
                    self.tracer(res, (fs.path, key), val, self.origin)
            return value
        return put

    def transform(self, resmap: ResMap) -> None:
        if not self.entries:
            return
        for res in resmap:
            fresh: dict[str, SharedNode] = {}
            for fs in self.field_specs:
                apply_fieldspecs(res.obj, (fs,), self._setter(res, fs, fresh),
                                 describe=lambda: str(res.cur_id))


def make(config: dict[str, Any], ctx: PluginContext) -> MapEntryTransformer:
    """Factory for `LabelTransformer` configs: {labels: {k: v}, fieldSpecs: [...]}."""
    return MapEntryTransformer(
        string_map(config.get("labels"), "labels"),
        field_specs(config.get("fieldSpecs"), "LabelTransformer fieldSpecs"),
        ctx.tracer, ctx.origin)


def label_field_specs(entry: Mapping[str, Any],
                      config: TransformerConfig | None = None) -> list[FieldSpec]:
    """Field specs for one `labels:` entry, merged as Kustomize's configurator does.

    Start from the entry's own `fields`, add the config's `labels` family, then either
    every commonLabels spec (includeSelectors) or, optionally the pod-template specs
    (includeTemplates) plus `metadata/labels`. Merging a spec that is already there with a
    different `create` is an error.
    """
    if config is None:
        config = default_config()
    unknown = sorted(str(k) for k in entry if k not in _LABEL_ENTRY_KEYS)
    if unknown:
        # Kustomize decodes kustomizations strictly, so a misspelt flag is not ignored.
        raise KustomizationError(f"invalid Kustomization: unknown field {unknown[0]!r} in a labels entry")
    include_selectors = _flag(entry, "includeSelectors")
    include_templates = _flag(entry, "includeTemplates")
    specs = field_specs(entry.get("fields"), "labels fields", strict=True)
    try:
        specs = merge_fs(specs, config.labels)
        if include_selectors:
            specs = merge_fs(specs, config.common_labels)
    except KustomizationError as e:
        raise KustomizationError(f"failed to merge labels: {e.message}") from None
    if include_selectors:
        return list(specs)
    if include_templates:
        try:
            specs = merge_fs(specs, config.template_labels)
        except KustomizationError as e:
            raise KustomizationError(f"failed to merge template fieldSpec: {e.message}") from None
    try:
        specs = merge_fs(specs, (_METADATA_LABELS,))
    except KustomizationError as e:
        raise KustomizationError(f"failed to merge labels: {e.message}") from None
    return list(specs)


def _flag(entry: Mapping[str, Any], key: str) -> bool:
    value = entry.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise KustomizationError(f"labels: {key} must be true or false, got {value!r}")
    return value


def label_transformer_configs(labels: Iterable[Mapping[str, Any]],
                              config: TransformerConfig | None = None) -> list[dict[str, Any]]:
    """The LabelTransformer configs for a kustomization's `labels:` list, in order."""
    out = []
    for entry in labels:
        if not isinstance(entry, Mapping):
            raise KustomizationError(f"each labels entry must be a map, got {entry!r}")
        out.append({"labels": entry.get("pairs"),
                    "fieldSpecs": label_field_specs(entry, config)})
    return out
