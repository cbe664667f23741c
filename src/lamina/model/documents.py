"""Turning a file's documents into Resources, with Kustomize's checks and List expansion."""

from __future__ import annotations

from typing import Any

from lamina.errors import ResourceError, SourceRef
from lamina.model.resource import Origin, Resource


def _meta_summary(doc: dict[str, Any]) -> str:
    found = doc.get("metadata")
    md: dict[str, Any] = found if isinstance(found, dict) else {}
    return (f"{{apiVersion: {doc.get('apiVersion', '')}, kind: {doc.get('kind', '')}, "
            f"name: {md.get('name', '')}}}")


def _validate(doc: Any, display: str, line: int | None) -> None:
    src = SourceRef(display, line)
    if not isinstance(doc, dict):
        raise ResourceError(
            "expected a Kubernetes object (a mapping with apiVersion, kind and metadata), "
            f"found {type(doc).__name__}", src)
    md = doc.get("metadata")
    has_meta = bool(doc.get("apiVersion")) or bool(doc.get("kind"))
    if isinstance(md, dict) and md:
        has_meta = has_meta or any(md.get(k) for k in ("name", "namespace", "labels", "annotations"))
    if not has_meta:
        raise ResourceError("missing Resource metadata", src)
    kind = doc.get("kind")
    if not kind:
        raise ResourceError(f"missing kind in object {_meta_summary(doc)}", src)
    if isinstance(kind, str) and kind.endswith("List"):
        return
    name = md.get("name") if isinstance(md, dict) else None
    if name is None or name == "":
        raise ResourceError(f"missing metadata.name in object {_meta_summary(doc)}", src)


def resources_from_documents(docs: list[tuple[Any, int]], display: str,
                             origin: Origin | None) -> list[Resource]:
    """Documents of one file, in Kustomize's order: plain objects first, then the items of
    any `*List` object (Kustomize queues list items behind the remaining documents)."""
    queue: list[tuple[Any, int | None]] = [(d, line) for d, line in docs if d is not None and d != {}]
    out: list[Resource] = []
    while queue:
        doc, line = queue.pop(0)
        _validate(doc, display, line)
        kind = doc.get("kind")
        if isinstance(kind, str) and kind.endswith("List") and "items" in doc:
            items = doc["items"]
            if items is None:
                continue
            if not isinstance(items, list):
                raise ResourceError(
                    f"expected array in {kind}/items, but found {type(items).__name__}",
                    SourceRef(display, line))
            for item in items:
                if item is not None:
                    queue.append((item, line))
            continue
        src = SourceRef(display, line)
        res_origin = origin or Origin(path=display)
        res_origin = Origin(path=res_origin.path, configured_in=res_origin.configured_in,
                            configured_by=res_origin.configured_by, source=src)
        out.append(Resource(doc, res_origin))
    return out
