"""YAML in and out with Kustomize's rules: go-yaml v3 meanings in, go-yaml v2 bytes out.

- `load_all(text, path)` / `load_all_with_lines(text, path)` / `load(text, path)`: read a
  manifest stream as kyaml does (see reader.py); errors are YamlError with file:line.
- `dump(doc)` / `dump_all(docs)`: the exact bytes `kustomize build` prints for JSON-like
  data (see writer.py); `dump_all` joins documents with `---` lines.
- `natural_key` / `natural_less` / `natural_sorted`: go-yaml v2's key order.
- `scalars.resolve_v3(text)`: what an unquoted scalar means to Kustomize.
"""

from typing import Any

from lamina.yaml.gc_pause import gc_paused
from lamina.yaml.natural import natural_key, natural_less, natural_sorted
from lamina.yaml.reader import load, load_all
from lamina.yaml.reader import load_all_with_lines as _load_all_with_lines
from lamina.yaml.writer import dump, dump_all


def load_all_with_lines(text: str, path: str) -> list[tuple[Any, int]]:
    """reader.load_all_with_lines, with large files served from the on-disk cache."""
    from lamina.yaml.doc_cache import cached_parse
    with gc_paused():
        return cached_parse(text, lambda: _load_all_with_lines(text, path))

__all__ = [
    "dump",
    "dump_all",
    "load",
    "load_all",
    "load_all_with_lines",
    "natural_key",
    "natural_less",
    "natural_sorted",
]
