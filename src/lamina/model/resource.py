"""A Kubernetes object as a plain dict, plus what the build must remember about it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lamina.errors import SourceRef
from lamina.model.clone import clone
from lamina.model.resid import Gvk, ResId


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a resource was declared: the file (relative to the build root) and the
    kustomization that brought it in. Used for errors, origin annotations and `explain`."""

    path: str
    configured_in: str | None = None      # for generated resources: the kustomization file
    configured_by: tuple[str, str, str] | None = None   # (apiVersion, kind, name) of a generator
    source: SourceRef | None = None       # file:line of the document in the user's tree


class Resource:
    """Mutable working copy of one object.

    Kustomize keeps its bookkeeping (previous names, prefixes, generator behaviour) in
    annotations it strips at the end; lamina keeps it in attributes so it can never leak
    into output or be forged by input.
    """

    __slots__ = ("obj", "origin", "previous_ids", "prefixes", "suffixes", "behavior",
                 "needs_hash", "ref_by", "ref_var_names", "is_generated", "transformations",
                 "_id_cache")

    def __init__(self, obj: dict[str, Any], origin: Origin | None = None):
        self.obj = obj
        self.origin = origin
        # Ids the resource had before renames (name, namespace, kind changes), oldest first.
        self.previous_ids: list[ResId] = []
        self.prefixes: list[str] = []
        self.suffixes: list[str] = []
        self.behavior: str = ""          # generator behaviour: create / merge / replace
        self.needs_hash: bool = False    # generator asked for a content-hash suffix
        self.ref_by: list[ResId] = []    # resources whose fields refer to this one (nameref)
        self.ref_var_names: list[str] = []
        self.is_generated: bool = False
        # Transformer origins recorded for buildMetadata: [transformerAnnotations].
        self.transformations: list[dict[str, Any]] = []
        # (the raw apiVersion/kind/name/namespace values, the ResId made from them).
        self._id_cache: tuple[tuple[Any, ...], ResId] | None = None

    # ---- plain accessors -------------------------------------------------
    @property
    def api_version(self) -> str:
        v = self.obj.get("apiVersion")
        return v if isinstance(v, str) else ""

    @property
    def kind(self) -> str:
        v = self.obj.get("kind")
        return v if isinstance(v, str) else ""

    @property
    def metadata(self) -> dict[str, Any]:
        md = self.obj.get("metadata")
        if not isinstance(md, dict):
            md = {}
            self.obj["metadata"] = md
        return md

    @property
    def name(self) -> str:
        md = self.obj.get("metadata")
        v = md.get("name") if isinstance(md, dict) else None
        return v if isinstance(v, str) else ""

    @name.setter
    def name(self, value: str) -> None:
        self.metadata["name"] = value

    @property
    def namespace(self) -> str:
        md = self.obj.get("metadata")
        v = md.get("namespace") if isinstance(md, dict) else None
        return v if isinstance(v, str) else ""

    @namespace.setter
    def namespace(self, value: str) -> None:
        if value:
            self.metadata["namespace"] = value
        else:
            self.metadata.pop("namespace", None)

    def labels(self) -> dict[str, Any]:
        md = self.obj.get("metadata")
        v = md.get("labels") if isinstance(md, dict) else None
        return v if isinstance(v, dict) else {}

    def annotations(self) -> dict[str, Any]:
        md = self.obj.get("metadata")
        v = md.get("annotations") if isinstance(md, dict) else None
        return v if isinstance(v, dict) else {}

    @property
    def gvk(self) -> Gvk:
        return Gvk.from_api_version(self.api_version, self.kind)

    # ---- identity --------------------------------------------------------
    @property
    def cur_id(self) -> ResId:
        """The id as the object says now. Transformers edit the dict in place, so the id is
        re-read every time; building a new ResId only when one of the four fields changed
        keeps the many id lookups of a large build cheap, and lets callers compare ids by
        identity to notice a rename."""
        obj = self.obj
        md = obj.get("metadata")
        if isinstance(md, dict):
            raw = (obj.get("apiVersion"), obj.get("kind"), md.get("name"), md.get("namespace"))
        else:
            raw = (obj.get("apiVersion"), obj.get("kind"), None, None)
        cached = self._id_cache
        if cached is not None and cached[0] == raw:
            return cached[1]
        rid = ResId(self.gvk, self.name, self.namespace)
        self._id_cache = (raw, rid)
        return rid

    @property
    def org_id(self) -> ResId:
        """The id the resource was declared with, before any rename."""
        return self.previous_ids[0] if self.previous_ids else self.cur_id

    def all_ids(self) -> list[ResId]:
        return [*self.previous_ids, self.cur_id]

    def remember_id(self) -> None:
        """Call before a rename, so references to the old id can still be resolved."""
        self.previous_ids.append(self.cur_id)

    def copy(self) -> "Resource":
        r = Resource(clone(self.obj), self.origin)
        r.previous_ids = list(self.previous_ids)
        r.prefixes = list(self.prefixes)
        r.suffixes = list(self.suffixes)
        r.behavior = self.behavior
        r.needs_hash = self.needs_hash
        r.ref_by = list(self.ref_by)
        r.ref_var_names = list(self.ref_var_names)
        r.is_generated = self.is_generated
        r.transformations = list(self.transformations)
        return r

    def __repr__(self) -> str:
        return f"Resource({self.cur_id})"
