"""The one table of builtin transformer plugins, keyed by Kustomize's builtin kind names.

Adding a transformer is one module plus one line here.
"""

from __future__ import annotations

import importlib
from typing import Any, Mapping

from lamina.transformers.base import GeneratorFactory, TransformerFactory

# kind -> "module:factory". Imported lazily so `lamina build` only loads what it uses.
# SortOrderTransformer is deliberately absent: Kustomize refuses it under `transformers:`
# and applies it only from the top-level `sortOptions`.
_TRANSFORMERS: Mapping[str, str] = {
    "PatchTransformer": "lamina.transformers.patches:make_patch_transformer",
    "PatchStrategicMergeTransformer": "lamina.transformers.patches:make_psm_transformer",
    "PatchJson6902Transformer": "lamina.transformers.patches:make_json6902_transformer",
    "NamespaceTransformer": "lamina.transformers.namespace:make",
    "PrefixSuffixTransformer": "lamina.transformers.prefix_suffix:make_prefix_suffix",
    "PrefixTransformer": "lamina.transformers.prefix_suffix:make_prefix",
    "SuffixTransformer": "lamina.transformers.prefix_suffix:make_suffix",
    "LabelTransformer": "lamina.transformers.labels:make",
    "AnnotationsTransformer": "lamina.transformers.annotations:make",
    "ImageTagTransformer": "lamina.transformers.images:make",
    "ReplicaCountTransformer": "lamina.transformers.replicas:make",
    "ReplacementTransformer": "lamina.transformers.replacements:make",
    "HashTransformer": "lamina.generators.hash_suffix:make_hash_transformer",
}

# kind -> "module:factory" for builtin generators.
_GENERATORS: Mapping[str, str] = {
    "ConfigMapGenerator": "lamina.generators.configmap:make_configmap_generator",
    "SecretGenerator": "lamina.generators.configmap:make_secret_generator",
    "IAMPolicyGenerator": "lamina.generators.iam_policy:make",
    "HelmChartInflationGenerator": "lamina.generators.helm_chart:make",
}


def _resolve(table: Mapping[str, str], kind: str) -> Any:
    target = table.get(kind)
    if target is None:
        return None
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def transformer_factory(kind: str) -> TransformerFactory | None:
    return _resolve(_TRANSFORMERS, kind)


def generator_factory(kind: str) -> GeneratorFactory | None:
    return _resolve(_GENERATORS, kind)


def transformer_kinds() -> list[str]:
    return sorted(_TRANSFORMERS)
