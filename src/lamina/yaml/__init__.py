"""YAML in and out with Kustomize's rules: go-yaml v3 meanings in, go-yaml v2 bytes out."""

from lamina.yaml.natural import natural_key, natural_less, natural_sorted
from lamina.yaml.reader import load, load_all, load_all_with_lines
from lamina.yaml.writer import dump, dump_all

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
