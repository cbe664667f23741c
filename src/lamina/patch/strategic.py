"""Strategic merge patches, merged the way Kustomize's kyaml merge2 walker merges them.

kyaml does not implement the Kubernetes API server's strategic merge: it walks the
resource and the patch together, field by field, and decides per list whether to merge
element by element (the schema gives a 'merge' strategy) or replace it. It honours
`$patch: delete|replace|merge` but not `$setElementOrder`, `$retainKeys` or
`$deleteFromPrimitiveList`, which it copies into the output like any other field.
Its list handling has quirks that change the bytes Kustomize prints (patch elements come
first; an element-level `$patch: replace` has no effect; elements without a merge key
reshape the list). This module reproduces them on plain dicts and lists, because
lamina's output must match Kustomize's.

Values: a missing field is MISSING; YAML null is None.
"""

from __future__ import annotations

from typing import Any

from lamina.errors import ResourceError
from lamina.model.clone import clone
from lamina.patch.openapi import Schema, SchemaIndex
from lamina.patch.smp_nodes import (CLEAR, KEEP_NULL, MISSING, find_element, from_text,
                                    is_absent, is_empty_map, merge_values, node_text,
                                    patch_directive, set_element, usable_keys, wrong_kind)
from lamina.yaml.empty_value import is_empty_value_key

# ---------------------------------------------------------------------------
# The walker.
# ---------------------------------------------------------------------------


class _Walker:
    def __init__(self, schema: SchemaIndex, fast: bool = True):
        self.index = schema
        self.fast = fast

    def _untouched(self, value: Any, schema: Schema | None) -> bool:
        """Whether walking `value` against a patch that does not mention it gives `value`
        back as it is. kyaml walks such subtrees too, and may change them: it drops a null
        written as nothing, and rebuilds merge-keyed lists (elements without their keys,
        empty elements and repeated keys reshape the list). A subtree with none of those is
        left alone here, which skips most of a resource for a typical small patch; any
        other subtree takes the full walk. The test mirrors walk() exactly: the same
        schema lookups, the same key texts."""
        if isinstance(value, dict):
            if schema is None:
                schema = self._schema([value], None)
            for key, child in value.items():
                if child is None:
                    if is_empty_value_key(key):
                        return False
                elif isinstance(child, (dict, list)):
                    sub = self.index.field(schema, key) if schema is not None else None
                    if not self._untouched(child, sub):
                        return False
            return True
        if not isinstance(value, list) or not SchemaIndex.merges_list(schema):
            return True
        _, keys = SchemaIndex.strategy_and_keys(schema)
        if not keys:
            return False
        elem_schema = self.index.elements(schema)
        seen: set[tuple[str, ...]] = set()
        for elem in value:
            if not isinstance(elem, dict) or not elem:
                return False
            ident = []
            for key in keys:
                v = elem.get(key)
                text = "" if isinstance(v, (dict, list)) else node_text(v)
                if not text:
                    return False
                ident.append(text)
            t = tuple(ident)
            if t in seen or not self._untouched(elem, elem_schema):
                return False
            seen.add(t)
        return True

    def _schema(self, sources: list[Any], schema: Schema | None) -> Schema | None:
        if schema is not None:
            return schema
        for s in sources:
            if isinstance(s, dict):
                av, kind = s.get("apiVersion"), s.get("kind")
                if isinstance(av, str) and isinstance(kind, str) and av and kind:
                    found = self.index.root(av, kind)
                    if found is not None:
                        return found
        return None

    def walk(self, dest: Any, origin: Any, schema: Schema | None) -> Any:
        if origin is MISSING and self.fast and isinstance(dest, (dict, list)) \
                and self._untouched(dest, schema):
            return dest
        sources = [dest, origin]
        schema = self._schema(sources, schema)
        first = next((s for s in sources if not is_absent(s)), MISSING)
        if isinstance(first, dict) or first is MISSING:
            self._check(dict, "MappingNode", sources)
            return self._walk_map(dest, origin, schema)
        if isinstance(first, list):
            self._check(list, "SequenceNode", sources)
            if schema is not None and SchemaIndex.merges_list(schema):
                return self._walk_associative(dest, origin, schema)
            return origin if origin is not MISSING else dest
        for s in sources:
            if not is_absent(s) and isinstance(s, (dict, list)):
                raise wrong_kind("ScalarNode", s)
        return origin if origin is not MISSING else dest

    @staticmethod
    def _check(kind: type, name: str, sources: list[Any]) -> None:
        for s in sources:
            if not is_absent(s) and not isinstance(s, kind):
                raise wrong_kind(name, s)

    # ---- maps -------------------------------------------------------------------
    def _visit_map(self, dest: Any, origin: Any) -> Any:
        if is_absent(dest):
            try:
                if patch_directive(origin) == "delete":
                    return CLEAR
            except ResourceError:
                pass   # kyaml ignores a bad directive on a new subtree
            if origin is MISSING and dest is None:
                return KEEP_NULL
            return origin
        return self._visit_existing(dest, origin)

    @staticmethod
    def _visit_existing(dest: Any, origin: Any) -> Any:
        """Both sides exist: a null patch or `$patch: delete` removes, `replace` takes the
        patch, anything else keeps the resource's node to merge into."""
        if origin is None:
            return CLEAR
        directive = patch_directive(origin)
        if directive == "delete":
            return CLEAR
        if directive == "replace":
            return origin
        return dest

    def _walk_map(self, dest: Any, origin: Any, schema: Schema | None) -> Any:
        dest = self._visit_map(dest, origin)
        if not isinstance(dest, dict):
            return dest
        names = set(dest)
        if isinstance(origin, dict):
            names.update(origin)
        for name in sorted(names, key=str):
            dest_val = dest.get(name, MISSING)
            origin_val = origin.get(name, MISSING) if isinstance(origin, dict) else MISSING
            if dest_val is None and origin_val is MISSING and is_empty_value_key(name):
                # merge2 keeps an untouched null only when its text was spelled out.
                del dest[name]
                continue
            field_schema = self.index.field(schema, name) if schema is not None else None
            val = self.walk(dest_val, origin_val, field_schema)
            if val is CLEAR or val is None or val is MISSING:
                dest.pop(name, None)
            elif val is KEEP_NULL:
                dest[name] = None
            else:
                dest[name] = val
        return dest

    # ---- associative lists ------------------------------------------------------
    def _visit_list(self, dest: Any, origin: Any) -> Any:
        # Unlike maps, a new list's directives are not read here (kyaml's VisitList).
        if is_absent(dest):
            return origin
        return self._visit_existing(dest, origin)

    def _walk_associative(self, dest: Any, origin: Any, schema: Schema) -> Any:
        dest = self._visit_list(dest, origin)
        if not isinstance(dest, list):
            return dest
        _, keys = SchemaIndex.strategy_and_keys(schema)
        # The patch's elements first: Kustomize merges with "prepend" list direction.
        ordered = [s for s in (origin, dest) if isinstance(s, list)]
        values_list: list[list[str]] = []
        if keys:
            for src in ordered:
                for elem in src:
                    vals = [node_text(elem.get(k)) if isinstance(elem, dict) else "" for k in keys]
                    if vals not in values_list:
                        values_list.append(vals)
            return self._set_elements(values_list, keys, dest, origin, schema)
        for src in ordered:
            for elem in src:
                vals = [node_text(elem)]
                if vals not in values_list:
                    values_list.append(vals)
        return self._set_elements(values_list, [""], dest, origin, schema)

    def _set_elements(self, values_list: list[list[str]], keys: list[str], dest: list,
                      origin: Any, schema: Schema) -> Any:
        items: list = []
        elem_schema = self.index.elements(schema)
        if len(keys) > 1:
            values_list = merge_values(values_list)
        valid_keys: list[str] = []
        for values in values_list:
            if not values:
                continue
            valid_keys, valid_values = usable_keys(values_list, values, keys)
            lk, lv = usable_keys([valid_values], valid_values, valid_keys)
            val = self.walk(find_element(dest, lk, lv), find_element(origin, lk, lv), elem_schema)
            if is_absent(val) or is_empty_map(val):
                if valid_keys:
                    set_element(dest, None, valid_keys, valid_values)
                continue
            for key, value in zip(valid_keys, valid_values):
                if isinstance(val, dict) and key not in val and value != "":
                    val[key] = from_text(value)
            set_element(items, val, valid_keys, valid_values)
        if values_list:
            items = self._append_list(items, dest, valid_keys)
        return items

    @staticmethod
    def _append_list(dst: list, src: list, keys: list[str]) -> list:
        """kyaml's appendListNode: put the resource's own elements back over the merged
        ones (same identity when merged in place), keyed by the merge keys."""
        for elem in list(src):
            if keys[0] == "":
                set_element(dst, elem, [""], [node_text(elem)])
                continue
            vals: list[str] = []
            for key in keys:
                if elem is not None and not isinstance(elem, dict):
                    raise wrong_kind("MappingNode", elem)
                if elem is None or key not in elem:
                    dst.append(elem)    # kyaml appends once per missing key
                    continue
                vals.append(node_text(elem[key]))
            if len(keys) > 1:
                set_element(dst, None, keys, vals)
            set_element(dst, elem, keys, vals)
        return dst


def apply_strategic_merge(target: dict, patch: dict, schema: SchemaIndex | None = None,
                          api_version: str | None = None, kind: str | None = None,
                          _fast: bool = True) -> dict | None:
    """Merge `patch` into a copy of `target`; None when the patch deletes the resource.

    `api_version`/`kind` choose the schema when the target itself lacks them; by default
    the target's own type is used, as Kustomize does.
    """
    from lamina.patch.openapi import default_index
    index = schema if schema is not None else default_index()
    walker = _Walker(index, fast=_fast)    # _fast=False: the plain walk, for tests
    dest = clone(target)
    root = None
    if api_version and kind:
        root = index.root(api_version, kind)
    result = walker.walk(dest, clone(patch), root)
    if is_absent(result) or not isinstance(result, dict) or not result:
        return None
    return result
