"""Kustomize's dotted field paths (`spec.containers.[name=app].image`) over plain dicts.

Replacements and vars name fields with kyaml's dotted syntax rather than the slash syntax
of field specs. Two walkers read it, and they differ on purpose, as in kyaml:

- `lookup` (kyaml's PathGetter) finds at most one value: `[k=v]` matches exactly, a number
  or `-` picks a list element, `*` is refused. Replacement sources and vars use it.
- `match` (kyaml's PathMatcher) finds every place a path reaches, optionally creating
  what is missing: `[k=v]` treats `v` as an unanchored regular expression, `*` enters every
  element, a number indexes (and may append). Replacement targets use it.

Values are the loader's Python values. A scalar's "text" is what go-yaml would hold as the
node's value (`true`, `8080`), which is what kyaml compares and copies.

The package: `syntax` (splitting a path, its parts), `scalars` (go-yaml's view of a
scalar), `lookup` and `match` (the two walkers).
"""

from lamina.transformers.fieldpath.lookup import MISSING, lookup, prefixes
from lamina.transformers.fieldpath.match import ParseScalar, Slot, match
from lamina.transformers.fieldpath.scalars import (MAP, SCALAR, SEQ, Scalar, decode, finalize,
                                                   is_scalar, kind_of, resolve_plain,
                                                   scalar_text, short_tag)
from lamina.transformers.fieldpath.syntax import FieldPathError, split

__all__ = [
    "MAP", "MISSING", "SCALAR", "SEQ", "FieldPathError", "ParseScalar", "Scalar", "Slot",
    "decode", "finalize", "is_scalar", "kind_of", "lookup", "match", "prefixes",
    "resolve_plain", "scalar_text", "short_tag", "split",
]
