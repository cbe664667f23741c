"""The content-hash name suffix of generated ConfigMaps and Secrets.

Kustomize (api/hasher) hashes a small JSON document made of the kind, the data maps (and
for Secrets the type), plus a name field that is in practice always empty, takes sha256, and maps the first ten hex digits to characters that cannot
spell words. The suffix is added once per build, by the top-level kustomization, after
all of its transformers (and those of every base) have run and before name references are
fixed, so the hash covers patched data.
"""

from __future__ import annotations

import math
from typing import Any

from lamina.errors import NotSupportedError, ResourceError
from lamina.model.resmap import ResMap
from lamina.transformers.base import PluginContext

# hashlib, json and decimal are imported where they are used: every build runs the hash
# transformer, but only builds that generate a ConfigMap or Secret compute a hash.

# Hex digits swapped for letters so the suffix never looks like a number or a word.
_SWAP = str.maketrans({"0": "g", "1": "h", "3": "k", "a": "m", "e": "t"})

# Go's encoding/json escapes these even though JSON does not require it.
_GO_EXTRA_ESCAPES = str.maketrans({
    "<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
    "\u2028": "\\u2028", "\u2029": "\\u2029",
})


def encode_hex(hex_digest: str) -> str:
    """The first ten hex digits, with 0 1 3 a e replaced by g h k m t."""
    return hex_digest[:10].translate(_SWAP)


def go_json(value: Any) -> str:
    """Compact JSON with Go's encoding/json conventions: sorted keys, HTML-safe escapes,
    non-ASCII text left as UTF-8, floats in Go's shortest form."""
    if isinstance(value, dict):
        items = sorted((str(k), v) for k, v in value.items())
        return "{" + ",".join(f"{_go_string(k)}:{go_json(v)}" for k, v in items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(go_json(v) for v in value) + "]"
    if isinstance(value, str):
        return _go_string(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    return _go_string(str(value))


def _go_string(text: str) -> str:
    import json
    return json.dumps(text, ensure_ascii=False).translate(_GO_EXTRA_ESCAPES)


def _go_float(f: float) -> str:
    """encoding/json's float64 form: positional between 1e-6 and 1e21, else exponent with
    a one-digit negative exponent written without its leading zero."""
    if math.isnan(f) or math.isinf(f):
        raise ResourceError(f"json: unsupported value: {f!r}")
    magnitude = abs(f)
    if magnitude == 0 or 1e-6 <= magnitude < 1e21:
        from decimal import Decimal
        return format(Decimal(repr(f)).normalize(), "f")
    mantissa, _, exponent = repr(f).partition("e")
    sign = exponent[0]
    digits = exponent[1:]
    if sign == "-" and len(digits) == 2 and digits[0] == "0":
        digits = digits[1:]
    return f"{mantissa}e{sign}{digits}"


def _field(obj: dict[str, Any], name: str) -> tuple[Any, bool]:
    """A top-level field as the hasher sees it, and whether it counts as a map.

    A map stays a map; a list cannot be read as a map and becomes null (Go ignores the
    decoding error) yet still counts as one; a missing or null field is the empty string;
    any other scalar is its text.
    """
    value = obj.get(name)
    if value is None:
        return "", False
    if isinstance(value, dict):
        return value, True
    if isinstance(value, list):
        return None, True
    if isinstance(value, bool):
        return ("true" if value else "false"), False
    return str(value), False


def content_hash(obj: dict[str, Any]) -> str:
    """The ten-character suffix Kustomize computes for a ConfigMap or Secret."""
    kind = obj.get("kind")
    # Kustomize looks the name up as one field literally called "metadata/name", which no
    # real object has, so the name is always "" and renames never change the hash.
    name, _ = _field(obj, "metadata/name")
    data, _ = _field(obj, "data")
    if kind == "ConfigMap":
        doc: dict[str, Any] = {"kind": "ConfigMap", "name": name, "data": data}
        binary, is_map = _field(obj, "binaryData")
        if is_map:
            doc["binaryData"] = binary
    elif kind == "Secret":
        secret_type, _ = _field(obj, "type")
        doc = {"kind": "Secret", "type": secret_type, "name": name, "data": data}
        string_data, is_map = _field(obj, "stringData")
        if is_map:
            doc["stringData"] = string_data
    else:
        # Kustomize hashes the raw YAML node tree (styles, line numbers) for other kinds,
        # which a dict cannot reproduce.
        raise NotSupportedError(
            f"a content-hash name suffix for kind {kind!r} is not supported yet: only "
            "ConfigMap and Secret can be hashed")
    import hashlib
    return encode_hex(hashlib.sha256(go_json(doc).encode("utf-8")).hexdigest())


class HashTransformer:
    """Appends `-<hash>` to the name of every resource that asked for a hash suffix."""

    def transform(self, resmap: ResMap) -> None:
        for res in resmap:
            if not res.needs_hash:
                continue
            suffix = content_hash(res.obj)
            res.remember_id()
            res.name = f"{res.name}-{suffix}"


def make_hash_transformer(config: dict[str, Any], ctx: PluginContext) -> HashTransformer:
    return HashTransformer()
