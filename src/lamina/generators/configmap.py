"""The ConfigMapGenerator and SecretGenerator builtins.

Each plugin turns one `configMapGenerator:` / `secretGenerator:` entry (or a generator
config file of that kind) into one resource. The content-hash suffix is not added here:
the resource is only marked `needs_hash`, and the top-level build appends the hash once
every transformer has run (see lamina.generators.hash_suffix).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from lamina.errors import KustomizationError
from lamina.generators.kv import KvSources, Pair, load_pairs
from lamina.generators.options import (
    GeneratorOptions, json_type_name, merge_generator_options)
from lamina.generators.unreadable import (
    refuse_unmarshalable_config, refuse_unreadable_data, refuse_unreadable_keys)
from lamina.model.resmap import ResMap
from lamina.model.resource import Resource
from lamina.transformers.base import PluginContext

__all__ = ["make_configmap_generator", "make_secret_generator", "merge_generator_options",
           "GeneratorArgs"]

BEHAVIORS = ("create", "merge", "replace")
UNSPECIFIED = "unspecified"

# Base64 text longer than this is broken into lines (each ending in a newline), as kyaml does.
_B64_LINE = 70


@dataclass(frozen=True)
class GeneratorArgs:
    """One generator entry, type-checked."""

    kind: str                      # "ConfigMap" or "Secret"
    name: str
    namespace: str
    behavior: str                  # create / merge / replace / unspecified
    sources: KvSources
    options: GeneratorOptions
    secret_type: str = ""

    @classmethod
    def from_config(cls, config: dict[str, Any], kind: str) -> "GeneratorArgs":
        where = "configMapGenerator" if kind == "ConfigMap" else "secretGenerator"
        if not isinstance(config, dict):
            raise KustomizationError(
                f"invalid Kustomization: json: cannot unmarshal {json_type_name(config)} "
                f"into Go value of type {where} entry")
        meta = config.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        # A generator config file names the resource in metadata; an entry uses `name`.
        name = _string(config.get("name"), f"{where}.name") or _string(
            meta.get("name"), f"{where}.metadata.name")
        namespace = _string(config.get("namespace"), f"{where}.namespace") or _string(
            meta.get("namespace"), f"{where}.metadata.namespace")
        behavior = _string(config.get("behavior"), f"{where}.behavior")
        return cls(
            kind=kind,
            name=name,
            namespace=namespace,
            behavior=behavior if behavior in BEHAVIORS else UNSPECIFIED,
            # `env:` (singular) is folded into `envs` when the kustomization is read;
            # Kustomize ignores it in a generator config file, and so do we.
            sources=KvSources(
                literals=_strings(config.get("literals"), f"{where}.literals"),
                files=_strings(config.get("files"), f"{where}.files"),
                envs=_strings(config.get("envs"), f"{where}.envs"),
            ),
            options=GeneratorOptions.from_config(config.get("options"), where),
            secret_type=_string(config.get("type"), f"{where}.type") if kind == "Secret" else "",
        )


def _string(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise KustomizationError(
            f"invalid Kustomization: json: cannot unmarshal {json_type_name(value)} "
            f"into Go struct field {where} of type string")
    return value


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise KustomizationError(
            f"invalid Kustomization: json: cannot unmarshal {json_type_name(value)} "
            f"into Go struct field {where} of type []string")
    return tuple(_string(item, where) for item in value)


class KvGenerator:
    """Generates one ConfigMap or Secret from an entry's key/value sources."""

    def __init__(self, args: GeneratorArgs, ctx: PluginContext):
        self.args = args
        self.ctx = ctx

    def generate(self) -> ResMap:
        args = self.args
        if not args.name:
            # Kustomize says "configmap" for Secrets too.
            raise KustomizationError("a configmap must have a name")
        pairs = load_pairs(args.sources, self._read_bytes)
        data = _unique_keys(pairs, args.name)
        obj: dict[str, Any] = {"apiVersion": "v1", "kind": args.kind,
                               "metadata": {"name": args.name}}
        if args.namespace:
            obj["metadata"]["namespace"] = args.namespace
        if args.kind == "Secret":
            obj["type"] = args.secret_type or "Opaque"
            obj["data"] = {k: encode_base64(_as_bytes(v)) for k, v in data.items()}
        else:
            _fill_configmap(obj, data)
        if args.options.labels:
            obj["metadata"]["labels"] = dict(args.options.labels)
        if args.options.annotations:
            obj["metadata"]["annotations"] = dict(args.options.annotations)
        if args.options.immutable:
            obj["immutable"] = True
        where = f"{args.kind} {args.name}"
        for field in ("data", "binaryData"):
            refuse_unreadable_data(obj.get(field), f"{where} {field}")
        refuse_unreadable_keys(obj["metadata"].get("labels"), f"{where} labels")
        refuse_unreadable_keys(obj["metadata"].get("annotations"), f"{where} annotations")

        res = Resource(obj, self.ctx.origin)
        res.behavior = args.behavior
        res.needs_hash = not args.options.disable_name_suffix_hash
        res.is_generated = True
        return ResMap([res])

    def _read_bytes(self, path: str) -> bytes:
        loader = self.ctx.loader
        read_bytes = getattr(loader, "read_bytes", None)
        if read_bytes is not None:
            return read_bytes(path)
        return loader.read_text(path).encode("utf-8")


def _unique_keys(pairs: list[Pair], name: str) -> dict[str, bytes | str]:
    known: dict[str, bytes | str] = {}
    for pair in pairs:
        if pair.key in known:
            raise KustomizationError(f"configmap {name} illegally repeats the key `{pair.key}`")
        known[pair.key] = pair.value
    return known


def _fill_configmap(obj: dict[str, Any], data: dict[str, bytes | str]) -> None:
    """UTF-8 values go to `data`; anything else is base64 under `binaryData`. A map that
    would be empty is left out."""
    for key in sorted(data):
        value: str | bytes = data[key]
        if isinstance(value, bytes):
            raw = value
            try:
                value = raw.decode("utf-8")
            except UnicodeDecodeError:
                obj.setdefault("binaryData", {})[key] = encode_base64(raw)
                continue
        obj.setdefault("data", {})[key] = value


def _as_bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


def encode_base64(raw: bytes) -> str:
    """Standard base64; when the text is 70 characters or more it is cut into 70-character
    lines, each followed by a newline (so the value prints as a literal block)."""
    text = base64.b64encode(raw).decode("ascii")
    if len(text) < _B64_LINE:
        return text
    return "".join(text[i:i + _B64_LINE] + "\n" for i in range(0, len(text), _B64_LINE))


def make_configmap_generator(config: dict[str, Any], ctx: PluginContext) -> KvGenerator:
    refuse_unmarshalable_config(config, "ConfigMapGenerator")
    return KvGenerator(GeneratorArgs.from_config(config, "ConfigMap"), ctx)


def make_secret_generator(config: dict[str, Any], ctx: PluginContext) -> KvGenerator:
    refuse_unmarshalable_config(config, "SecretGenerator")
    return KvGenerator(GeneratorArgs.from_config(config, "Secret"), ctx)
