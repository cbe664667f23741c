"""How generated resources join the resources a kustomization has accumulated.

Kustomize (resmap AbsorbAll / appendReplaceOrMerge) looks the generated resource's id up
among every id an accumulated resource has had, so `behavior: merge` with `name: cm` still
finds a base ConfigMap that a base's namePrefix has renamed to `p-cm`.

- no match: create (or unspecified) appends; merge and replace are errors;
- one match: replace and merge put the generated resource in the old one's place, under
  the old one's name and namespace, with labels and annotations merged (the generated
  side wins); merge also merges the `data` and `binaryData` maps;
- one match with create: error; several matches: error.
"""

from __future__ import annotations

from typing import Any

from lamina.errors import ResourceError
from lamina.generators.unreadable import refuse_unreadable_data, refuse_unreadable_keys
from lamina.model.resid import ResId
from lamina.model.resmap import ResMap
from lamina.model.resource import Resource

ORIGIN_ANNOTATION = "config.kubernetes.io/origin"


def absorb(resmap: ResMap, generated: ResMap) -> None:
    """Add each generated resource to `resmap` according to its behavior."""
    # Absorbing only appends and replaces through the map, so its lookups need not
    # re-check the ids of every resource each time.
    with resmap.editing():
        for res in generated:
            _absorb_one(resmap, res)


def _absorb_one(resmap: ResMap, res: Resource) -> None:
    rid = res.cur_id
    matches = [r for r in resmap.by_any_id(rid) if r.obj]
    behavior = res.behavior or "unspecified"
    if resmap.chunking is not None:
        # The build memo counts matches over every part of the build; a partial rebuild
        # merges only into the parts it holds.
        resmap.chunking.count(f"generator-{behavior}", str(rid), matches)
        if resmap.chunking.partial and not matches and behavior in ("merge", "replace"):
            return
    if not matches:
        if behavior in ("merge", "replace"):
            raise ResourceError(f"id {go_resid(rid)} does not exist; cannot merge or replace")
        resmap.append(res)
        return
    if len(matches) > 1:
        shown = "[" + " ".join(str(m.cur_id) for m in matches) + "]"
        raise ResourceError(
            f"found multiple objects {shown} that could accept merge of {rid}")
    old = matches[0]
    if behavior == "replace":
        _copy_merge_metadata(res, old)
    elif behavior == "merge":
        _copy_merge_metadata(res, old)
        _merge_string_map(res, old, "data")
        _merge_string_map(res, old, "binaryData")
        # A merged resource keeps the origin of the one it merged into, both the
        # attribute and the origin annotation written when buildMetadata asks for it.
        if old.origin is not None:
            res.origin = old.origin
        old_origin = old.annotations().get(ORIGIN_ANNOTATION)
        if old_origin is not None:
            res.metadata.setdefault("annotations", {})[ORIGIN_ANNOTATION] = old_origin
    else:
        raise ResourceError(
            f"id {go_resid(rid)} exists; can not use behavior: '{behavior}', "
            "behavior must be merge or replace")
    if resmap.chunking is not None:      # the build memo follows which entry it came from
        resmap.chunking.carry(old, res)
    resmap.replace(old, res)


def _copy_merge_metadata(res: Resource, old: Resource) -> None:
    """Kustomize's CopyMergeMetaDataFieldsFrom: merged labels and annotations, the old
    name and namespace, and the old resource's build bookkeeping."""
    _set_string_map(res, "labels", {**_text_map(old.labels()), **_text_map(res.labels())})
    _set_string_map(res, "annotations",
                    {**_text_map(old.annotations()), **_text_map(res.annotations())})
    res.name = old.name
    res.namespace = old.namespace
    # Bookkeeping Kustomize keeps in build annotations comes from the old resource.
    res.previous_ids = list(old.previous_ids)
    res.prefixes = list(old.prefixes)
    res.suffixes = list(old.suffixes)
    res.ref_by = list(old.ref_by)
    res.ref_var_names = list(old.ref_var_names)
    res.behavior = old.behavior
    res.transformations = [*old.transformations, *res.transformations]
    # The hash-suffix mark survives only when both sides carry it: a base that disabled
    # the suffix, or an overlay entry that disables it, turns it off.
    res.needs_hash = res.needs_hash and old.needs_hash


def _merge_string_map(res: Resource, old: Resource, field: str) -> None:
    merged = {**_text_map(old.obj.get(field)), **_text_map(res.obj.get(field))}
    refuse_unreadable_data(merged, f"{res.kind} {old.name} {field}")
    res.obj.pop(field, None)
    if merged:
        res.obj[field] = {k: merged[k] for k in sorted(merged)}


def _set_string_map(res: Resource, field: str, values: dict[str, str]) -> None:
    """Replace metadata.<field>; an empty map removes the field."""
    refuse_unreadable_keys(values, f"{res.kind} {res.name} {field}")
    md = res.metadata
    md.pop(field, None)
    if values:
        md[field] = {k: values[k] for k in sorted(values)}


def _text_map(value: Any) -> dict[str, str]:
    """A map read as Kustomize's string maps: every scalar becomes its text, null is ''."""
    if not isinstance(value, dict):
        return {}
    return {str(k): _scalar_text(v) for k, v in value.items()}


def _scalar_text(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def go_resid(rid: ResId) -> str:
    """A ResId as Go's %#v prints it, which is what Kustomize's absorb errors show."""
    gvk = rid.gvk
    scoped = "true" if gvk.is_cluster_scoped else "false"
    return (f'resid.ResId{{Gvk:resid.Gvk{{Group:"{gvk.group}", Version:"{gvk.version}", '
            f'Kind:"{gvk.kind}", isClusterScoped:{scoped}}}, Name:"{rid.name}", '
            f'Namespace:"{rid.namespace}"}}')
