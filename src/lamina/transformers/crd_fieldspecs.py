"""Field specs declared by OpenAPI definitions: the kustomization's `crds:` field.

Follows Kustomize's api/internal/accumulator/loadconfigfromcrds.go. The input is not a
CustomResourceDefinition but a map of Go type names to OpenAPI definitions, whose
properties carry `x-kubernetes-*` extensions saying which fields are annotation maps, label
selectors, names, or references to objects of other kinds.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from lamina.errors import KustomizationError
from lamina.transformers.fieldspecs import (FieldSpec, NameBackReference, TransformerConfig,
                                            merge_fs, merge_nbr)


def _where(source: str) -> str:
    return f"{source}: " if source else ""

# Property extensions Kustomize reads (keys must be spelled in lower case, values strings).
_X_ANNOTATION = "x-kubernetes-annotation"
_X_LABEL_SELECTOR = "x-kubernetes-label-selector"
_X_IDENTITY = "x-kubernetes-identity"
_X_REF_VERSION = "x-kubernetes-object-ref-api-version"
_X_REF_KIND = "x-kubernetes-object-ref-kind"
_X_REF_NAME_KEY = "x-kubernetes-object-ref-name-key"


def config_from_crds(docs: Iterable[Any], source: str = "") -> TransformerConfig:
    """Field specs from OpenAPI definitions in Kustomize's `crds:` format: a map from a
    Go type name (`example.com/pkg/v1.MyKind`) to `{Schema: ..., Dependencies: [...]}`.
    A type with kind, apiVersion and metadata properties is a resource kind (the part of
    the name after the last dot); its properties, following `$ref`s, may mark annotation
    maps, label selectors, names, and references to objects of other kinds."""
    result = TransformerConfig()
    for doc in docs:
        if doc is None:
            continue
        if not isinstance(doc, Mapping):
            raise KustomizationError(_where(source) + "unable to parse open API definition: "
                                     "expected a map of type names to definitions")
        schemas = {name: _schema_of(defn, name, source) for name, defn in doc.items()}
        for name, schema in schemas.items():
            props = _properties(schema)
            if not all(k in props for k in ("kind", "apiVersion", "metadata")):
                continue
            kind = str(name).split(".")[-1]
            acc = _CrdAccumulator()
            acc.walk(schemas, str(name), kind, (), set())
            result = result.merge(acc.config())
    return result


def _schema_of(defn: Any, name: Any, source: str) -> Mapping[str, Any]:
    if defn is None:
        return {}
    if not isinstance(defn, Mapping):
        raise KustomizationError(_where(source) + f"unable to parse open API definition {name!r}: "
                                 f"expected a map, got {type(defn).__name__}")
    # Go's JSON decoding matches struct fields without regard to case.
    for key, value in defn.items():
        if isinstance(key, str) and key.lower() == "schema":
            return value if isinstance(value, Mapping) else {}
    return {}


def _properties(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    props = schema.get("properties")
    return props if isinstance(props, Mapping) else {}


class _CrdAccumulator:
    """Collects specs for one resource kind while walking its schema."""

    def __init__(self) -> None:
        self.annotations: tuple[FieldSpec, ...] = ()
        self.labels: tuple[FieldSpec, ...] = ()
        self.prefix: tuple[FieldSpec, ...] = ()
        self.refs: tuple[NameBackReference, ...] = ()

    def walk(self, schemas: Mapping[Any, Any], type_name: str, kind: str,
             path: tuple[str, ...], seen: set[str]) -> None:
        schema = schemas.get(type_name)
        if schema is None or type_name in seen:   # a self-referencing type would never end
            return
        seen = seen | {type_name}
        for prop, body in _properties(schema).items():
            if not isinstance(body, Mapping):
                continue
            here = (*path, str(prop))
            fs = FieldSpec(kind=kind, path="/".join(here))
            if isinstance(body.get(_X_ANNOTATION), str):
                self.annotations = merge_fs(self.annotations, [fs])
            if isinstance(body.get(_X_LABEL_SELECTOR), str):
                self.labels = merge_fs(self.labels, [fs])
            if isinstance(body.get(_X_IDENTITY), str):
                self.prefix = merge_fs(self.prefix, [fs])
            version, ref_kind = body.get(_X_REF_VERSION), body.get(_X_REF_KIND)
            if isinstance(version, str) and isinstance(ref_kind, str):
                key = body.get(_X_REF_NAME_KEY)
                key = key if isinstance(key, str) else "name"
                ref_fs = FieldSpec(kind=kind, path="/".join((*here, key)))
                self.refs = merge_nbr(self.refs, [NameBackReference(
                    version=version, kind=ref_kind, field_specs=(ref_fs,))])
            ref = body.get("$ref")
            if isinstance(ref, str) and ref:
                self.walk(schemas, ref, kind, here, seen)

    def config(self) -> TransformerConfig:
        return TransformerConfig(common_annotations=self.annotations, common_labels=self.labels,
                                 name_prefix=self.prefix, name_reference=self.refs)
