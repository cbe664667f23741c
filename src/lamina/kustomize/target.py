"""The build recipe for one kustomization directory, in Kustomize's order.

resources -> configurations/crds -> generators -> components -> transformers -> vars.
A base is built completely (its own transformers applied) before the overlay sees it; a
component instead works on the accumulation of the kustomization that includes it.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any

from lamina.errors import KustomizationError, LaminaError, NotSupportedError, SourceRef, YamlError
from lamina.kustomize.kustomization import Kustomization, load_kustomization
from lamina.kustomize.loader import FileLoader, is_remote
from lamina.kustomize.origin import OriginTracker
from lamina.kustomize import plugins
from lamina.kustomize.resources import resources_from_documents
from lamina.model.resmap import ResMap
from lamina.model.resource import Resource


@dataclass
class Accumulator:
    """What a kustomization hands to the one that includes it."""

    resmap: ResMap
    config: Any          # transformers.fieldspecs.TransformerConfig
    vars: Any            # transformers.vars.VarSet
    # Patches and replacement targets that selected nothing (kustomize/unmatched.py).
    unmatched: list = field(default_factory=list)

    @classmethod
    def empty(cls) -> "Accumulator":
        from lamina.transformers.fieldspecs import EMPTY_CONFIG
        from lamina.transformers.vars import VarSet
        # Kustomize starts empty and merges "defaults + this kustomization's configurations"
        # at each level; the order matters when a user spec overlaps a default one.
        return cls(ResMap(), EMPTY_CONFIG, VarSet())

    def copy(self) -> "Accumulator":
        """Resources copied; the field-spec config is immutable; only called with no vars."""
        from lamina.transformers.vars import VarSet
        return Accumulator(self.resmap.copy(), self.config, VarSet(), list(self.unmatched))

    def merge(self, other: "Accumulator") -> None:
        self.resmap.append_all(other.resmap)
        self.config = self.config.merge(other.config)
        self.vars.merge(other.vars)
        self.unmatched.extend(other.unmatched)


@dataclass
class Target:
    loader: FileLoader
    kustomization: Kustomization
    build_metadata: list[str]
    origin: OriginTracker | None   # None unless buildMetadata asks for annotations
    context: dict[str, Any] = field(default_factory=dict)   # build-wide services (schema, tracer)

    @classmethod
    def load(cls, loader: FileLoader, parent: "Target | None" = None,
             context: dict[str, Any] | None = None) -> "Target":
        context = parent.context if parent is not None else (context or {})
        # The values walk already read every kustomization of this build: reuse it.
        k = context.get("kustomizations", {}).get(loader.root)
        if k is None:
            k = load_kustomization(loader)
        else:
            loader.record(k.path)     # read by the values walk, on this build's behalf
        plan = context.get("memo_plan")
        if plan is not None:
            plan.saw_kustomization(k)
        # Only lamina-dialect kustomizations render `.j2` files; in Kustomize's dialect a
        # `.j2` file is read as it is, exactly as Kustomize reads it.
        renderer = context.get("renderer") if k.dialect == "lamina" else None
        loader = loader.with_renderer(renderer)
        from lamina.patch.openapi import BuildSchema
        build_schema = context.setdefault("schema", BuildSchema())
        build_schema.declare(k.get("openapi") or None, loader, root=parent is None)
        if k.get("openapi"):
            context["openapi_declared"] = True
        if parent is None:
            meta = list(k.list("buildMetadata"))
            origin = OriginTracker.root() if meta else None
            return cls(loader, k, meta, origin, context)
        return cls(loader, k, parent.build_metadata, parent.origin, parent.context)

    @property
    def display(self) -> str:
        return self.loader.display(self.kustomization.path)

    # ---- the recipe --------------------------------------------------------
    def accumulate(self, ra: Accumulator | None = None, plan: Any = None) -> Accumulator:
        """`plan` (the build memo's, root only: kustomize/memo.py) reads the `resources:`
        entries one by one, and sees the accumulation before the replacements step."""
        ra = ra if ra is not None else Accumulator.empty()
        k = self.kustomization
        if plan is None:
            self._accumulate_resources(ra, k.list("resources"))
        else:
            plan.accumulate_resources(self, ra, k.list("resources"))
        from lamina.transformers.fieldspecs import default_config
        ra.config = ra.config.merge(default_config().merge(plugins.load_configurations(self)))
        ra.config = ra.config.merge(plugins.load_crd_config(self))
        plugins.run_generators(self, ra)
        ra = self._accumulate_components(ra, k.list("components"))
        if plan is None:
            plugins.run_transformers(self, ra)
        else:
            plugins.run_transformers(self, ra, skip=plan.deferred)
            plan.after_pipeline(ra)
            plugins.run_transformers(self, ra, only=plan.deferred)
        if k.list("validators"):
            raise NotSupportedError("validators are not supported yet", SourceRef(self.display))
        ra.vars.add(k.list("vars"), self.display, resmap=ra.resmap)
        return ra

    def _accumulate_resources(self, ra: Accumulator, paths: list[str]) -> None:
        # The accumulation is only appended to while its resources are read (each base is
        # built in an accumulation of its own), so its appends need not re-check the ids
        # of everything already there.
        with ra.resmap.editing():
            self._accumulate_each(ra, paths)

    def _accumulate_each(self, ra: Accumulator, paths: list[str]) -> None:
        for path in paths:
            if is_remote(path):
                raise NotSupportedError(
                    f"remote resource '{path}' is not supported yet: lamina builds without "
                    "network access; vendor it into the repository and refer to it by path",
                    SourceRef(self.display))
            full = os.path.join(self.loader.root, path)
            if os.path.isdir(full):
                sub = self.loader.new(path)
                self._accumulate_directory(ra, sub, path, is_component=False)
                continue
            try:
                resources = self._load_file(path)
            except YamlError:
                raise
            except LaminaError as file_err:
                # Kustomize tries the path as a file, then as a directory, and reports both.
                if not os.path.exists(full):
                    raise self.loader.missing(
                        path, f"accumulating resources: accumulation err='accumulating resources "
                        f"from '{path}': open {full}: no such file or directory': must build "
                        f"at directory: not a valid directory: evalsymlink failure on '{full}' "
                        f": lstat {full}: no such file or directory",
                        "file or folder") from None
                raise file_err
            try:
                ra.resmap.append_all(resources)
            except LaminaError as exc:
                raise type(exc)(
                    f"accumulating resources: merging resources from '{path}': {exc.message}",
                    exc.source or SourceRef(self.display)) from None

    def _load_file(self, path: str) -> list[Resource]:
        from lamina.yaml import load_all_with_lines
        text = self.loader.read_text(path)
        display = self.loader.display(path)
        try:
            docs = load_all_with_lines(text, display)
        except LaminaError as exc:
            if path.endswith(".j2") and self.loader.renderer is None:
                # Kustomize reads a template as plain YAML, and so does this dialect.
                raise type(exc)(
                    f"{exc.message}\n  hint: {path} is a template, but {self.display} is in "
                    "Kustomize's dialect, which does not render templates: set "
                    "`apiVersion: lamina.dev/v1alpha1` at the top of that kustomization",
                    exc.source) from None
            raise
        template_line = None
        if self.loader.renderer is not None and path.endswith(".j2"):
            from lamina.yaml.positions import rendered_text
            template_line = getattr(rendered_text(self.loader.resolve(path)), "template_line", None)
        if template_line is not None:
            # A rendered `.j2` file: its documents are named by the template's lines.
            docs = [(doc, template_line(line)) for doc, line in docs]
        origin = self.origin.file_origin(path) if self.origin else None
        resources = resources_from_documents(docs, display, None)
        if origin is not None:
            for r in resources:
                self.origin.annotate(r, origin)
        tracer = self.context.get("tracer")
        if tracer is not None and hasattr(tracer, "observe"):
            for r in resources:
                tracer.observe([r], "declared", r.origin.source if r.origin else SourceRef(display))
        return resources

    def _accumulate_components(self, ra: Accumulator, paths: list[str]) -> Accumulator:
        for path in paths:
            if is_remote(path):
                raise NotSupportedError(
                    f"remote component '{path}' is not supported yet", SourceRef(self.display))
            sub = self.loader.new(path)
            ra = self._accumulate_directory(ra, sub, path, is_component=True)
        return ra

    def _accumulate_base(self, sub: "Target", loader: FileLoader) -> Accumulator:
        """A base's accumulation, served from the per-process base cache when its files are
        unchanged (see base_cache.py for what is never cached)."""
        from lamina.kustomize import base_cache
        if not base_cache.enabled(self.context) or self.origin is not None:
            return sub.accumulate()
        k = base_cache.key(loader.root, loader.restrictor)
        entry = base_cache.lookup(k)
        if entry is not None:
            if self.loader.reads is not None:
                self.loader.reads.update(path for path, _d in entry.digests)
            return entry.snapshot.copy()
        reads: set[str] = {os.path.realpath(sub.kustomization.path)}
        sub.loader = dataclasses.replace(sub.loader, reads=reads)
        flag = self.context.pop("openapi_declared", False)
        result = sub.accumulate()
        declared = self.context.get("openapi_declared", False)
        self.context["openapi_declared"] = flag or declared
        if self.loader.reads is not None:
            self.loader.reads.update(reads)
        if not declared and not len(result.vars):
            base_cache.store(k, reads, result.copy())
        return result

    def _accumulate_directory(self, ra: Accumulator, loader: FileLoader, path: str,
                              is_component: bool) -> Accumulator:
        saved = self.origin
        child_origin = self.origin.enter(path) if self.origin else None
        sub = Target.load(loader, parent=self)
        sub.origin = child_origin
        sub.context = self.context
        if is_component and not sub.kustomization.is_component:
            raise KustomizationError(
                f"accumulating components: accumulateDirectory: \"expected kind 'Component' for "
                f"path '{loader.root}' but got '{sub.kustomization.kind}'\"",
                SourceRef(self.display))
        if not is_component and sub.kustomization.is_component:
            raise KustomizationError(
                f"accumulating resources: expected kind != 'Component' for path "
                f"'{loader.root}'", SourceRef(self.display))
        if is_component:
            result = sub.accumulate(ra)
            self.origin = saved
            return result
        sub_ra = self._accumulate_base(sub, loader)
        self.origin = saved
        plan = self.context.get("memo_plan")
        if plan is not None:
            plan.saw_base(self, sub_ra)
        try:
            ra.merge(sub_ra)
        except LaminaError as exc:
            raise type(exc)(
                f"accumulating resources: recursed merging from path '{loader.root}': "
                f"{exc.message}", exc.source or SourceRef(self.display)) from None
        return ra
