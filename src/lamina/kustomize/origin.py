"""buildMetadata bookkeeping: where each resource came from, and which transformers touched it.

Kustomize writes these as the annotations `config.kubernetes.io/origin` and
`alpha.config.kubernetes.io/transformations`; they appear in the output only when the
top-level kustomization lists `originAnnotations` / `transformerAnnotations`.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from lamina.model.resource import Resource

ORIGIN_ANNOTATION = "config.kubernetes.io/origin"
TRANSFORMATIONS_ANNOTATION = "alpha.config.kubernetes.io/transformations"


def _join(base: str, path: str) -> str:
    joined = posixpath.normpath(posixpath.join(base, path)) if base else posixpath.normpath(path)
    return "" if joined == "." else joined


@dataclass(frozen=True)
class OriginRecord:
    path: str = ""
    repo: str = ""
    ref: str = ""
    configured_in: str = ""
    configured_by: tuple[tuple[str, str], ...] = ()   # (key, value) pairs, in output order

    def to_yaml(self) -> str:
        """Same field order as Kustomize's Origin struct: path, repo, ref, configuredIn, configuredBy."""
        lines = []
        if self.path:
            lines.append(f"path: {self.path}")
        if self.repo:
            lines.append(f"repo: {self.repo}")
        if self.ref:
            lines.append(f"ref: {self.ref}")
        if self.configured_in:
            lines.append(f"configuredIn: {self.configured_in}")
        if self.configured_by:
            lines.append("configuredBy:")
            lines.extend(f"  {k}: {v}" for k, v in self.configured_by)
        return "\n".join(lines) + "\n"

    def as_list_item(self) -> str:
        body = self.to_yaml().rstrip("\n").split("\n")
        return "\n".join(["- " + body[0]] + ["  " + line for line in body[1:]]) + "\n"


@dataclass(frozen=True)
class OriginTracker:
    """The path from the top-level kustomization to the one being built."""

    base: str = ""
    repo: str = ""     # set inside a remote base: Kustomize's CloneSpec() of its URL
    ref: str = ""

    @classmethod
    def root(cls) -> "OriginTracker":
        return cls("")

    def enter(self, path: str) -> "OriginTracker":
        remote = self._remote(path)
        return remote if remote is not None else OriginTracker(_join(self.base, path),
                                                               self.repo, self.ref)

    def file_origin(self, path: str) -> OriginRecord:
        remote = self._remote(path)
        if remote is not None:
            return OriginRecord(path=remote.base, repo=remote.repo, ref=remote.ref)
        return OriginRecord(path=_join(self.base, path), repo=self.repo, ref=self.ref)

    @staticmethod
    def _remote(path: str) -> "OriginTracker | None":
        """Kustomize's Origin.Append: a path its git parser accepts restarts the origin at
        that repository (repo, ref, and the path inside it)."""
        from lamina.vendor.parse import parse_repo_spec
        from lamina.vendor.remote import is_remote
        spec = parse_repo_spec(path) if is_remote(path) else None
        if spec is None:
            return None
        return OriginTracker(spec.origin_path, spec.clone_url, spec.ref)

    def plugin_origin(self, kust_file: str, kind: str, api_version: str = "builtin",
                      name: str = "", namespace: str = "") -> OriginRecord:
        by = [("apiVersion", api_version), ("kind", kind)]
        if name:
            by.append(("name", name))
        if namespace:
            by.append(("namespace", namespace))
        return OriginRecord(repo=self.repo, ref=self.ref, configured_in=_join(self.base, kust_file),
                            configured_by=tuple(by))

    @staticmethod
    def annotate(res: Resource, record: OriginRecord) -> None:
        md = res.metadata
        ann = md.get("annotations")
        if not isinstance(ann, dict):
            ann = {}
            md["annotations"] = ann
        ann[ORIGIN_ANNOTATION] = record.to_yaml()

    @staticmethod
    def add_transformation(res: Resource, record: OriginRecord) -> None:
        """A resource without an origin gets this one as origin; otherwise it is appended
        to its list of transformations (Kustomize's AddTransformerAnnotation)."""
        md = res.metadata
        ann = md.get("annotations")
        if not isinstance(ann, dict):
            ann = {}
            md["annotations"] = ann
        if ORIGIN_ANNOTATION not in ann:
            ann[ORIGIN_ANNOTATION] = record.to_yaml()
            return
        ann[TRANSFORMATIONS_ANNOTATION] = ann.get(TRANSFORMATIONS_ANNOTATION, "") + record.as_list_item()


def _as_annotation_text(value: Any) -> str:
    """What kyaml keeps of a scalar when it rewrites annotations as a string map."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        from lamina.yaml.writer import dump
        return dump(value).rstrip("\n")
    return ""


def strip_annotations(res: Resource, keep_origin: bool, keep_transformations: bool) -> None:
    """Kustomize's final clean-up. It rewrites every annotation map through a
    map[string]string, so annotation values always come out as strings, and an
    annotations field that reads as no entries (null, {}, a scalar) is dropped."""
    md = res.obj.get("metadata")
    if not isinstance(md, dict) or "annotations" not in md:
        return
    ann = md["annotations"]
    if isinstance(ann, list):
        # kyaml reads a sequence as key/value pairs and panics on odd lengths; leave it be.
        return
    if not isinstance(ann, dict) or not ann:
        del md["annotations"]
        return
    for key, value in ann.items():
        if not isinstance(value, str):
            ann[key] = _as_annotation_text(value)
    if not keep_origin:
        ann.pop(ORIGIN_ANNOTATION, None)
    if not keep_transformations:
        ann.pop(TRANSFORMATIONS_ANNOTATION, None)
    if not ann:
        del md["annotations"]


def annotation_value(obj: dict[str, Any], key: str) -> Any:
    md = obj.get("metadata")
    if isinstance(md, dict) and isinstance(md.get("annotations"), dict):
        return md["annotations"].get(key)
    return None
