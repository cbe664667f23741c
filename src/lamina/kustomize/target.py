"""The build recipe for one kustomization directory, in Kustomize's order.

resources -> configurations/crds -> generators -> components -> transformers -> vars.
A base is built completely (its own transformers applied) before the overlay sees it; a
component instead works on the accumulation of the kustomization that includes it.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from dataclasses import dataclass, field
from typing import Any

from lamina.errors import KustomizationError, LaminaError, NotSupportedError, SourceRef, YamlError
from lamina.kustomize.kustomization import Kustomization, load_kustomization
from lamina.kustomize.loader import FileLoader, is_remote
from lamina.kustomize.origin import OriginTracker
from lamina.kustomize import configplugin, plugins
from lamina.kustomize.accumulator import Accumulator
from lamina.kustomize.context import BuildContext
from lamina.kustomize.entry_errors import at_entry
from lamina.model.documents import resources_from_documents
from lamina.model.resmap import ResMap
from lamina.model.resource import Resource


@dataclass
class Target:
    loader: FileLoader
    kustomization: Kustomization
    build_metadata: list[str]
    origin: OriginTracker | None   # None unless buildMetadata asks for annotations
    context: BuildContext = field(default_factory=BuildContext)

    @classmethod
    def load(cls, loader: FileLoader, parent: "Target | None" = None,
             context: BuildContext | None = None) -> "Target":
        context = parent.context if parent is not None else (context or BuildContext())
        # The values walk already read every kustomization of this build: reuse it.
        k = context.kustomizations.get(loader.root)
        if k is None:
            k = load_kustomization(loader)
        else:
            loader.record(k.path)     # read by the values walk, on this build's behalf
        if context.memo_plan is not None:
            context.memo_plan.saw_kustomization(k)
        # Only lamina-dialect kustomizations render `.j2` files; in Kustomize's dialect a
        # `.j2` file is read as it is, exactly as Kustomize reads it.
        renderer = context.renderer if k.dialect == "lamina" else None
        loader = loader.with_renderer(renderer)
        with at_entry(k.path, loader.display(k.path), "openapi", None):
            context.schema.declare(k.get("openapi") or None, loader, root=parent is None)
        if k.get("openapi"):
            context.state.openapi_declared = True
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
        """Kustomize's accumulateTarget, step by step. `plan` (the build memo's, root only:
        kustomize/memo.py) wraps two steps: it reads the `resources:` entries one by one,
        and it runs the transformers in two parts, seeing the accumulation before the last."""
        ra = ra if ra is not None else Accumulator.empty()
        k = self.kustomization
        read_resources, run_transformers = self.accumulate_resources, plugins.run_transformers
        if plan is not None:
            read_resources = functools.partial(plan.accumulate_resources, self)
            run_transformers = plan.wrap_transformers(run_transformers)
        read_resources(ra, k.list("resources"))
        from lamina.transformers.fieldspecs import default_config
        ra.config = ra.config.merge(default_config().merge(configplugin.load_configurations(self)))
        ra.config = ra.config.merge(configplugin.load_crd_config(self))
        plugins.run_generators(self, ra)
        ra = self._accumulate_components(ra, k.list("components"))
        run_transformers(self, ra)
        if k.list("validators"):
            raise NotSupportedError("validators are not supported yet", SourceRef(self.display))
        ra.vars.add(k.list("vars"), self.display, resmap=ra.resmap)
        return ra

    def accumulate_resources(self, ra: Accumulator, paths: list[str]) -> None:
        """Read `paths` (files, bases, directories) into `ra`: the `resources:` step, also
        used by configplugin.py for generator and transformer entries that name a directory."""
        # The accumulation is only appended to while its resources are read (each base is
        # built in an accumulation of its own), so its appends need not re-check the ids
        # of everything already there.
        with ra.resmap.editing():
            self._accumulate_each(ra, paths)

    def _accumulate_each(self, ra: Accumulator, paths: list[str]) -> None:
        for path in paths:
            if is_remote(path):
                vendored = self._vendored(path)
                if vendored.entry.kind == "git":
                    sub = self.loader.new_vendored(vendored.target, vendored.root)
                    self._accumulate_directory(ra, sub, path, is_component=False)
                else:
                    self._append_file(ra, path, self._load_vendored_file(path, vendored.target))
                continue
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
            self._append_file(ra, path, resources)

    def _append_file(self, ra: Accumulator, path: str, resources: list[Resource]) -> None:
        try:
            ra.resmap.append_all(resources)
        except LaminaError as exc:
            raise type(exc)(
                f"accumulating resources: merging resources from '{path}': {exc.message}",
                exc.source or SourceRef(self.display)) from None

    def _vendored(self, path: str) -> Any:
        """The verified vendored copy of a remote reference (never the network)."""
        from lamina.kustomize.fieldlines import listing_line
        from lamina.vendor.resolve import lookup
        where = listing_line(self.kustomization.path, self.display, path)
        vendored = lookup(self.loader.root, path, where)
        self.loader.record(vendored.lock)    # a re-pin must rebuild what used the old pin
        return vendored

    def _load_vendored_file(self, url: str, full: str) -> list[Resource]:
        from lamina.yaml import load_all_with_lines
        self.loader.record(full)
        with open(full, encoding="utf-8") as fh:
            docs = load_all_with_lines(fh.read(), url)
        resources = resources_from_documents(docs, url, None)
        if self.origin is not None:
            record = self.origin.file_origin(url)
            for r in resources:
                self.origin.annotate(r, record)
        return resources

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
        tracker = self.origin
        origin = tracker.file_origin(path) if tracker else None
        resources = resources_from_documents(docs, display, None)
        if tracker is not None and origin is not None:
            for r in resources:
                tracker.annotate(r, origin)
        tracer = self.context.tracer
        if tracer is not None:
            for r in resources:
                tracer.observe([r], "declared", r.origin.source if r.origin else SourceRef(display))
        return resources

    def _accumulate_components(self, ra: Accumulator, paths: list[str]) -> Accumulator:
        for path in paths:
            if is_remote(path):
                vendored = self._vendored(path)
                if vendored.entry.kind != "git":
                    raise KustomizationError(f"component '{path}' must be a folder",
                                             SourceRef(self.display))
                sub = self.loader.new_vendored(vendored.target, vendored.root)
            else:
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
        state = self.context.state
        flag, state.openapi_declared = state.openapi_declared, False
        result = sub.accumulate()
        declared = state.openapi_declared
        state.openapi_declared = flag or declared
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
        if self.context.memo_plan is not None:
            self.context.memo_plan.saw_base(self, sub_ra)
        try:
            ra.merge(sub_ra)
        except LaminaError as exc:
            raise type(exc)(
                f"accumulating resources: recursed merging from path '{loader.root}': "
                f"{exc.message}", exc.source or SourceRef(self.display)) from None
        return ra
