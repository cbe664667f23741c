"""HelmChartInflationGenerator: local Helm charts rendered as a kustomization's resources.

Kustomize shells out to `helm template`; lamina renders with Helm's own engine through the
optional `lamina[helm]` extra (helm-python-sdk), imported only when a kustomization lists
`helmCharts`. A local chart is read from `<chartHome>/<name>` (chartHome defaults to
`charts`). A remote one (`repo:`, HTTP(S) or oci://) is read from the copy `lamina vendor`
pinned in lamina.lock, verified first, or from `<chartHome>/<name>-<version>/<name>` where
Kustomize would have pulled it; a lamina build never uses the network.

Values follow Kustomize: the chart's values.yaml (or `valuesFile`), combined with
`valuesInline` by `valuesMerge` (override: inline wins; merge: the file wins; replace:
inline alone), then `additionalValuesFiles`; Helm coalesces the result over the chart's
defaults. Where Kustomize asks Helm to invent a release name, lamina uses Helm's classic
"release-name" so that output stays deterministic.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from lamina.errors import KustomizationError, NotSupportedError, SourceRef
from lamina.model.resmap import ResMap
from lamina.transformers.base import PluginContext

DEFAULT_CHART_HOME = "charts"
DEFAULT_RELEASE_NAME = "release-name"
_HOOK_ANNOTATION = "helm.sh/hook"


def _deep_merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = _deep_merge(base.get(k), v) if k in base else v
        return out
    return over


@dataclass(frozen=True)
class HelmChartGenerator:
    config: dict[str, Any]
    globals_: dict[str, Any]
    ctx: PluginContext

    def _chart_dir(self) -> str:
        name = self.config.get("name")
        if not name:
            raise KustomizationError("helmCharts: chart name cannot be empty")
        home = self.globals_.get("chartHome") or DEFAULT_CHART_HOME
        root = self.ctx.loader.root
        base = home if os.path.isabs(home) else os.path.join(root, home)
        if self.config.get("version") and self.config.get("repo"):
            base = os.path.join(base, f"{name}-{self.config['version']}")
        path = os.path.realpath(os.path.join(base, name))
        if self.config.get("repo"):
            vendored = self._vendored_chart(str(name), path)
            if vendored:
                return vendored
        if not os.path.isdir(path):
            shown = self.ctx.loader.display(path)
            raise KustomizationError(
                f"no chart found at '{shown}' and no repo: given: add the chart folder "
                f"there (chartHome: {home}), or set repo: and run `lamina vendor`\n"
                f"  (kustomize: no repo specified for pull, no chart found at '{shown}')")
        restricted = getattr(self.ctx.loader, "restrictor", "") == "LoadRestrictionsRootOnly"
        if restricted and not (path + os.sep).startswith(root + os.sep):
            raise KustomizationError(
                f"security; helm chart '{path}' is not in or below '{root}' (use "
                "--load-restrictor LoadRestrictionsNone to allow it)")
        return path

    def _vendored_chart(self, name: str, pulled: str) -> str:
        """A remote chart's verified copy from lamina.lock and the vendor folder; "" when the
        lock has none but the chart is already where Kustomize would pull it (it uses that
        one without pulling). Never the network: a chart in neither place is refused."""
        from lamina.vendor.charts import ChartRef
        from lamina.vendor.lock import LOCK_NAME, VendorError
        from lamina.vendor.resolve import lookup, scalar_line
        root = self.ctx.loader.root
        repo = str(self.config["repo"])
        key = ChartRef(repo, name, str(self.config.get("version") or "")).key
        kust = next((os.path.join(root, n) for n in
                     ("kustomization.yaml", "kustomization.yml", "Kustomization")
                     if os.path.isfile(os.path.join(root, n))), "")
        where = scalar_line(kust, self.ctx.loader.display(kust), repo) if kust \
            else SourceRef(self.ctx.loader.display(root))
        try:
            vendored = lookup(root, key, where)
        except VendorError as exc:
            if os.path.isdir(pulled) and f"not in {LOCK_NAME}" in exc.message:
                return ""
            raise
        if vendored.entry.kind != "helm":
            raise VendorError(f"'{key}' is pinned as {vendored.entry.kind}, not a helm chart; "
                              f"run `lamina vendor --update {key}`", where)
        record = getattr(self.ctx.loader, "record", None)
        if record is not None:
            record(vendored.lock)    # a re-pin must rebuild what used the old pin
        return vendored.target

    def _values(self, chart_dir: str) -> dict[str, Any]:
        from lamina.yaml import load
        values_file = self.config.get("valuesFile")
        if values_file:
            text = self.ctx.loader.read_text(values_file)
            source = self.ctx.loader.display(values_file)
        else:
            default = os.path.join(chart_dir, "values.yaml")
            text = open(default, encoding="utf-8").read() if os.path.isfile(default) else ""
            source = os.path.relpath(default, self.ctx.loader.root)
        values = load(text, source) if text.strip() else {}
        values = values if isinstance(values, dict) else {}
        inline = self.config.get("valuesInline") or {}
        mode = self.config.get("valuesMerge") or "override"
        if mode not in ("override", "merge", "replace"):
            raise KustomizationError(
                f"valuesMerge must be one of override, merge, replace; got '{mode}'")
        if inline:
            if mode == "override":
                values = _deep_merge(values, inline)
            elif mode == "merge":
                values = _deep_merge(inline, values)
            else:
                values = dict(inline)
        for extra in self.config.get("additionalValuesFiles") or []:
            data = load(self.ctx.loader.read_text(extra), self.ctx.loader.display(extra))
            values = _deep_merge(values, data if isinstance(data, dict) else {})
        return values

    def generate(self) -> ResMap:
        chart_dir = self._chart_dir()     # first: a vendored chart is verified even without Helm
        try:
            import helm_python
        except ImportError:
            raise NotSupportedError(
                "helmCharts needs the optional Helm engine: pip install 'lamina[helm]'") from None
        values = self._values(chart_dir)
        name = self.config.get("releaseName") or DEFAULT_RELEASE_NAME
        namespace = self.config.get("namespace") or None
        try:
            chart = helm_python.Chart.load(chart_dir)
            try:
                rendered = chart.render(values, name=name, namespace=namespace or "default",
                                        is_install=True)
                crds = list(chart.crds) if self.config.get("includeCRDs") else []
            finally:
                chart.close()
        except helm_python.HelmError as exc:
            raise KustomizationError(f"helm chart '{self.config.get('name')}': {exc}") from None
        return self._resources(rendered, crds)

    def _resources(self, rendered: dict[str, str], crds: list[Any]) -> ResMap:
        from lamina.model.documents import resources_from_documents
        from lamina.yaml import load_all_with_lines
        out = ResMap()
        texts: list[tuple[str, str]] = []
        for crd in crds:
            text = crd if isinstance(crd, str) else getattr(crd, "data", None) or str(crd)
            texts.append(("crds", text if isinstance(text, str) else text.decode()))
        skip_tests = bool(self.config.get("skipTests"))
        for path in sorted(rendered):
            if path.endswith("NOTES.txt") or (skip_tests and "/tests/" in path):
                continue
            texts.append((path, rendered[path]))
        for path, text in texts:
            docs = load_all_with_lines(text, path)
            for res in resources_from_documents(docs, path, None):
                ann = res.annotations()
                if self.config.get("skipHooks") and _HOOK_ANNOTATION in ann:
                    continue
                res.is_generated = True
                out.append(res)
        return out


def make(config: dict[str, Any], ctx: PluginContext) -> HelmChartGenerator:
    cfg = dict(config)
    globals_ = cfg.pop("helmGlobals", None) or {}
    return HelmChartGenerator(cfg, globals_, ctx)
