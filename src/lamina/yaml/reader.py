"""Reading manifests the way Kustomize (kyaml, go-yaml v3) reads them.

PyYAML's own resolver follows YAML 1.1 (`on:` becomes True, `1:20` becomes 80) and keeps
the last of two duplicate keys. Kustomize differs in every one of those, and what a
document means must not depend on which tool reads it, so this module parses with
libyaml (yaml.CSafeLoader, for speed) but gives every scalar go-yaml v3's meaning and
refuses what Kustomize refuses. The result is plain JSON-like data: dict (str keys),
list, str, int, float, bool, None; aliases are expanded into independent copies.

Kustomize's own steps show through, and are reproduced (each measured with kubectl):
the stream is split on lines starting with `---` before any parsing; keys keep their
raw text; a nested key that would read as a number, boolean, null or time is an error;
`<<` merges (and a quoted `"<<"` key vanishes); a missing value in a flow mapping is
"" rather than null; and values pass through go-yaml v3's encoder once more
(kyaml_quirks). Anchors may be redefined (composer).

This module reads the stream: it splits it into documents, and has each one composed into
a node graph (nodes.py) and turned into data (builder.py).

Speed: the cyclic garbage collector is paused while a stream is read (gc_pause), and
the documents of a large stream are shared with a helper process (parallel), with the
serial path's results and errors.
"""

from __future__ import annotations

import re
from typing import Any

from lamina.errors import SourceRef, YamlError
from lamina.yaml.builder import MAX_EXPANDED_NODES, DocumentBuilder
from lamina.yaml.gc_pause import gc_paused
from lamina.yaml.nodes import parse_first_node

__all__ = ["MAX_EXPANDED_NODES", "load", "load_all", "load_all_with_lines"]

# kyaml splits a stream itself, before any YAML parsing: every line that starts with
# `---` ends a document, even inside a block scalar (byteio_reader.go splitDocuments).
_SEPARATOR = re.compile(r"\n---.*\n")


def load_all(text: str, path: str) -> list[Any]:
    """Parse every document of a manifest stream with Kustomize's rules.

    Empty documents, documents holding only comments and documents that are `null` are
    skipped, as kyaml's ByteReader skips them; every other document (mapping, list or
    scalar) is returned for the caller to judge.
    Raises YamlError (with file:line) for syntax errors, duplicate keys, `.inf`/`.nan`
    values, recursive aliases and documents that alias-expand beyond reason.
    """
    return [doc for doc, _line in load_all_with_lines(text, path)]


def load_all_with_lines(text: str, path: str) -> list[tuple[Any, int]]:
    """Like `load_all`, with the 1-based line where each document's content starts."""
    with gc_paused():
        return _load_all_with_lines(text, path)


def _load_all_with_lines(text: str, path: str) -> list[tuple[Any, int]]:
    text = text.replace("\r\n", "\n")
    chunks = _split_documents(text, path)
    if len(chunks) >= 2 and len(text) >= PARALLEL_MIN_CHARS:
        return _parse_chunks_in_two(chunks, path)
    return _parse_chunks(chunks, path)


def _parse_chunks(chunks: list[tuple[str, int]], path: str) -> list[tuple[Any, int]]:
    out: list[tuple[Any, int]] = []
    for chunk, first_line in chunks:
        node = parse_first_node(chunk, path, first_line)
        if node is None:
            continue
        builder = DocumentBuilder(path, first_line, chunk)
        if "*" in chunk and "&" in chunk:
            # (An alias without an anchor is already a composer error.)
            builder.check_aliases(node)
        if "?" in chunk and ("[" in chunk or "{" in chunk):
            builder.check_flow_plain_scalars(node)
        doc = builder.build(node)
        if doc is None:
            continue
        out.append((doc, first_line + node.start_mark.line + 1))
    return out


# A stream of at least this many characters, in two or more documents, is parsed by two
# processes when the machine has two CPUs to spare (see parallel.py), provided the
# documents other than the largest hold at least PARALLEL_MIN_PART characters. Below
# that, forking costs more than it saves.
PARALLEL_MIN_CHARS = 1 << 20
PARALLEL_MIN_PART = 1 << 18


def _parse_chunks_in_two(chunks: list[tuple[str, int]], path: str) -> list[tuple[Any, int]]:
    """`_parse_chunks(chunks)`, shared with a helper process (parallel.map_in_order).

    The helper sends its documents back as marshal data (pickle when they hold the
    reader's EmptyValueKey marks, which marshal refuses). Whatever it fails at, this
    process parses again, so errors are the serial ones.
    """
    from lamina.yaml import parallel

    sizes = [len(chunk) for chunk, _line in chunks]
    if sum(sizes) - max(sizes) < PARALLEL_MIN_PART or not parallel.usable():
        return _parse_chunks(chunks, path)
    parts = parallel.map_in_order(
        lambda chunk: _parse_chunks([chunk], path), chunks, _encode_docs, _decode_docs)
    return [doc for part in parts for doc in part]


def _encode_docs(parts: list[list[tuple[Any, int]]]) -> bytes:
    import marshal
    try:
        return b"m" + marshal.dumps(parts, 4)
    except ValueError:    # EmptyValueKey marks (a str subclass)
        import pickle
        return b"p" + pickle.dumps(parts, pickle.HIGHEST_PROTOCOL)


def _decode_docs(data: bytes) -> list[list[tuple[Any, int]]] | None:
    """The helper's documents (it is this process's own fork, so its pickles are trusted)."""
    body = memoryview(data)[1:]
    try:
        if data[:1] == b"m":
            import marshal
            parts = marshal.loads(body)
        elif data[:1] == b"p":
            import pickle
            parts = pickle.loads(body)
        else:
            return None
    except Exception:
        return None
    if not isinstance(parts, list) or not all(isinstance(part, list) for part in parts):
        return None
    return parts


def load(text: str, path: str) -> Any:
    """The single document in `text` (None when there is none); more than one is an error."""
    docs = load_all(text, path)
    if len(docs) > 1:
        raise YamlError("expected one YAML document, found several", SourceRef(path))
    return docs[0] if docs else None


def _split_documents(text: str, path: str) -> list[tuple[str, int]]:
    """Split as kyaml does; returns (chunk, number of lines before the chunk)."""
    chunks: list[tuple[str, int]] = []
    if not text:
        return chunks
    prev = 0
    line = 0
    for m in _SEPARATOR.finditer(text):
        rest = m.group()[4:].strip()
        sep_line = line + text.count("\n", prev, m.start()) + 2
        if rest and not rest.startswith("#"):
            raise YamlError(
                f"invalid document separator: {m.group().strip()} "
                "(only a comment may follow `---` on its line)",
                SourceRef(path, sep_line),
            )
        # kyaml appends the newline its split consumed to every chunk but the last.
        chunks.append((text[prev:m.start()] + "\n", line))
        line = sep_line
        prev = m.end()
    chunks.append((text[prev:], line))
    return chunks


