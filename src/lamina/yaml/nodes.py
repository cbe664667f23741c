"""From a document's text to a libyaml node graph, tagged for kyaml's meanings.

The loader's resolver only marks which scalars were written plain (PLAIN_TAG) and which
were quoted; what a scalar means is decided later, by go-yaml v3's rules (builder.py).
libyaml refuses a redefined anchor, which kyaml accepts: such a document is composed
again by the slower pure-Python composer (composer.py). Syntax errors become YamlError
with the file's own line and column.
"""

from __future__ import annotations

from typing import NoReturn

import yaml
from yaml.nodes import Node

from lamina.errors import SourceRef, YamlError
from lamina.yaml.composer import compose_first_document

PLAIN_TAG = "tag:lamina,2024:plain"
STR_TAG = "tag:yaml.org,2002:str"
SEQ_TAG = "tag:yaml.org,2002:seq"
MAP_TAG = "tag:yaml.org,2002:map"


class _KyamlLoader(yaml.CSafeLoader):
    """libyaml parser whose resolver only marks plain scalars; builder.py gives the values."""

    def resolve(self, kind: type[Node], value: str | None, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            return PLAIN_TAG if implicit[0] else STR_TAG
        return SEQ_TAG if kind is yaml.SequenceNode else MAP_TAG

    # PyYAML's path-based resolvers are unused; skipping their bookkeeping on every
    # node makes loading noticeably faster. (`str.format` ignores its arguments: a C
    # call that does nothing, cheaper than a Python method that does nothing.)
    descend_resolver = "".format    # type: ignore[assignment]  # a C no-op (see above)
    ascend_resolver = "".format     # type: ignore[assignment]  # a C no-op (see above)


def parse_first_node(chunk: str, path: str, first_line: int) -> Node | None:
    """The first YAML document of a chunk as a node graph (kyaml decodes only the first)."""
    try:
        return _compose(chunk, fast=True)
    except yaml.composer.ComposerError:
        # libyaml refuses a redefined anchor, which kyaml accepts; the slower composer
        # accepts it too, and reports any other composer error (an undefined alias) itself.
        pass
    except yaml.YAMLError as exc:
        _raise_yaml_error(exc, path, first_line)
    try:
        return _compose(chunk, fast=False)
    except yaml.YAMLError as exc:
        _raise_yaml_error(exc, path, first_line)


def _compose(chunk: str, fast: bool) -> Node | None:
    """libyaml's composer, or (when it refused a redefined anchor) `compose_first_document`."""
    loader = _KyamlLoader(chunk)
    try:
        if not fast:
            return compose_first_document(loader)
        if not loader.check_node():
            return None
        return loader.get_node()
    finally:
        loader.dispose()


def _raise_yaml_error(exc: yaml.YAMLError, path: str, first_line: int) -> NoReturn:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        where = SourceRef(path, first_line + mark.line + 1, mark.column + 1) if mark else SourceRef(path)
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        raise YamlError(f"invalid YAML: {problem}{context}; fix the syntax on this line (quote a "
                        "value holding `: `, `#`, `[` or `{`)", where) from None
    # Reader errors (bad characters) carry their position in the text only.
    raise YamlError(f"invalid YAML: {exc}", SourceRef(path)) from None

