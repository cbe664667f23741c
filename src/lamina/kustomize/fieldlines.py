"""Lines of a kustomization's fields, for messages and `lamina explain`. Only read when
something asks (errors, tracing), so ordinary builds never pay for it."""

from __future__ import annotations

import functools

import yaml

from lamina.errors import SourceRef

# Which kustomization field configured each builtin plugin.
FIELD_OF_KIND = {
    "PatchStrategicMergeTransformer": "patchesStrategicMerge",
    "PatchTransformer": "patches",
    "NamespaceTransformer": "namespace",
    "PrefixTransformer": "namePrefix",
    "SuffixTransformer": "nameSuffix",
    "LabelTransformer": "labels",
    "AnnotationsTransformer": "commonAnnotations",
    "PatchJson6902Transformer": "patchesJson6902",
    "ReplicaCountTransformer": "replicas",
    "ImageTagTransformer": "images",
    "ReplacementTransformer": "replacements",
    "ConfigMapGenerator": "configMapGenerator",
    "SecretGenerator": "secretGenerator",
    "HelmChartInflationGenerator": "helmCharts",
}


@functools.lru_cache(maxsize=256)
def _nodes(path: str) -> dict[str, yaml.Node]:
    try:
        from lamina.yaml.encoding import read
        node = yaml.compose(read(path), Loader=yaml.CSafeLoader)
    except (OSError, ValueError, yaml.YAMLError):
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value.lower(): v for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def field_line(path: str, display: str, field: str, index: int | None = None) -> SourceRef:
    """file:line of `field` (or of its index-th list item) in a kustomization file."""
    node = _nodes(path).get(field.lower())
    if node is None:
        return SourceRef(display)
    if index is not None and isinstance(node, yaml.SequenceNode) and index < len(node.value):
        node = node.value[index]
    return SourceRef(display, node.start_mark.line + 1)


def listing_line(path: str, display: str, entry: str) -> SourceRef:
    """file:line:column of the scalar in kustomization `path` that names the file `entry`
    (`- a.yaml`, `path: a.yaml`, `files: [key=a.yaml]`), for a message about that file;
    the file alone when no scalar names it."""
    try:
        with open(path, encoding="utf-8") as fh:
            node = yaml.compose(fh.read(), Loader=yaml.CSafeLoader)
    except (OSError, yaml.YAMLError):
        return SourceRef(display)
    wanted = entry.rstrip("/")

    def names(value: str) -> bool:
        value = value.strip().rstrip("/")
        return value == wanted or value.partition("=")[2].strip() == wanted

    stack = [node]
    seen: set[int] = set()
    while stack:
        n = stack.pop(0)
        if n is None or id(n) in seen:
            continue
        seen.add(id(n))
        if isinstance(n, yaml.ScalarNode):
            if isinstance(n.value, str) and names(n.value):
                return SourceRef(display, n.start_mark.line + 1, n.start_mark.column + 1)
        elif isinstance(n, yaml.MappingNode):
            stack.extend(v for _k, v in n.value)
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)
    return SourceRef(display)
