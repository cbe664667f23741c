"""Writing documents byte for byte as `kustomize build` prints them.

Kustomize turns each resource into JSON and hands it to go-yaml v2 (sigs.k8s.io/yaml).
go-yaml v2's emitter is a port of libyaml, so PyYAML's C emitter (yaml.CSafeDumper)
folds long lines, picks block scalars and escapes characters the same way; the pure
Python emitter does not (it leaves emoji raw and folds double-quoted text differently).
What differs is decided before the emitter sees a node (represent.py: key order, quoting,
number spelling; bom.py: strings that start with a byte-order mark); this module runs the
emitter and prints streams.

Speed: the cyclic garbage collector is paused while a document is printed (gc_pause),
and `dump_all` shares the documents of a large output with a helper process (parallel),
with the serial path's bytes and errors.
"""

from __future__ import annotations

import io
from typing import Any

import yaml
from yaml.nodes import Node

from lamina.errors import YamlError
from lamina.yaml.bom import bom_placeholder, escape_all, put_bom_strings
from lamina.yaml.depth import call_with_depth
from lamina.yaml.gc_pause import gc_paused
from lamina.yaml.represent import TAG, tree


class _Emitter(yaml.CSafeDumper):
    """libyaml's emitter; every node it gets carries the same tag, `TAG`.

    The serializer asks `resolve` for the tag it would give each node (two or three
    times a node) and writes a `!!tag` only when the node's own tag differs. Reporting
    `TAG` for everything keeps libyaml from ever writing one; the style of each scalar
    is chosen in represent.py. `str.format` ignores the arguments it does not use, so these
    hooks run as C calls rather than Python frames (PyYAML's path resolvers, which
    `descend_resolver`/`ascend_resolver` maintain, are unused).
    """

    # The stubs declare Python methods; these C callables stand in for them (see above).
    resolve = TAG.format
    descend_resolver = "".format        # type: ignore[assignment]
    ascend_resolver = "".format         # type: ignore[assignment]


def dump(doc: Any) -> str:
    """One document as Kustomize prints it (no `---`, ends with a newline). Large
    documents come from the on-disk cache when an equal one was printed before."""
    from lamina.yaml.doc_cache import cached_print
    with gc_paused():
        return cached_print(doc, _dump)


def _dump(doc: Any) -> str:
    root, bom_strings = _tree_or_error(doc, False)
    text = _emit(root)
    if bom_strings:
        done = put_bom_strings(text, bom_strings)
        if done is None:
            # A stand-in's text also occurs elsewhere in the output (practically never):
            # print again with distinctive placeholders, whose width may differ.
            root, bom_strings = _tree_or_error(doc, True)
            done = _emit(root)
            for index, value in enumerate(bom_strings):
                done = done.replace(f'"{bom_placeholder(index, escaped=True)}"',
                                    escape_all(value), 1)
        text = done
    return text


def _tree_or_error(doc: Any, distinct: bool) -> tuple[Node, list[str]]:
    try:
        return call_with_depth(tree, doc, distinct)
    except RecursionError:
        raise YamlError("document is nested too deeply to write") from None


def _emit(root: Node) -> str:
    stream = io.StringIO()
    emitter = _Emitter(
        stream,
        default_flow_style=False,
        indent=2,
        width=80,
        allow_unicode=True,
        sort_keys=False,
    )
    try:
        emitter.open()
        emitter.serialize(root)
        emitter.close()
    finally:
        emitter.dispose()
    text = stream.getvalue()
    if text.endswith("\n...\n"):
        # libyaml closes a document whose last block scalar kept its trailing newlines
        # (`|+`) with an explicit `...`; go-yaml v2, an older libyaml port, does not.
        text = text[:-4]
    return text


def dump_all(docs: list[Any]) -> str:
    """Documents joined by `---` lines, as `kustomize build` prints a resource list.
    A large output is printed by two processes when two CPUs are free (see parallel.py)."""
    if len(docs) < 2:
        return "---\n".join(dump(doc) for doc in docs)
    with gc_paused():
        return "---\n".join(_dump_many(docs))


# Documents holding at least this many mapping entries and list items altogether (about
# 1 MB of YAML, a tenth of a second of printing) are printed by two processes when that is
# possible (see parallel.py), provided the documents other than the largest hold at least
# PARALLEL_MIN_PART of them. Below that, forking costs more than it saves.
PARALLEL_MIN_NODES = 40_000
PARALLEL_MIN_PART = 15_000


def _dump_many(docs: list[Any]) -> list[str]:
    """[dump(doc) for doc in docs], shared with a helper process (parallel.map_in_order).

    The helper sends its texts back as marshal data. Whatever it fails at, this process
    prints again, so errors are the serial ones: the first failing document in order.
    """
    largest = _largest_if_enough_work(docs)
    if largest is None:
        return [dump(doc) for doc in docs]
    from lamina.yaml import parallel
    if not parallel.usable():
        return [dump(doc) for doc in docs]
    from lamina.yaml.doc_cache import enabled
    if enabled():
        text = _cached_text(docs[largest])
        if text is not None:
            # The on-disk cache already holds the largest document: a warm run, where the
            # others are most likely there too and cost milliseconds; a helper would cost
            # more than it saves. (In order, so a failing document raises as serially.)
            return [text if i == largest else dump(doc) for i, doc in enumerate(docs)]
    return parallel.map_in_order(dump, docs, _encode_texts, _decode_texts)


def _largest_if_enough_work(docs: list[Any]) -> int | None:
    """Whether printing `docs` is worth a helper process (see PARALLEL_MIN_NODES): the
    index of the largest document seen if so, else None. Stops counting as soon as it
    knows, so a large output costs a few milliseconds to judge."""
    total = largest = 0
    index = 0
    for i, doc in enumerate(docs):
        count = _count_nodes(doc, PARALLEL_MIN_NODES)
        total += count
        if count > largest:
            largest, index = count, i
        if total >= PARALLEL_MIN_NODES and total - largest >= PARALLEL_MIN_PART:
            return index
    return None


class _NotCached(Exception):
    pass


def _not_cached(_doc: Any) -> str:
    raise _NotCached


def _cached_text(doc: Any) -> str | None:
    """The text the on-disk cache holds for `doc`, or None (nothing is printed here)."""
    from lamina.yaml.doc_cache import cached_print
    try:
        return cached_print(doc, _not_cached)
    except _NotCached:
        return None


def _count_nodes(doc: Any, cap: int) -> int:
    """The number of mapping entries and list items in `doc`, or some number >= cap."""
    count = 0
    stack = [doc]
    pop, extend = stack.pop, stack.extend
    while stack and count < cap:
        node = pop()
        cls = node.__class__
        if cls is dict:
            count += len(node)
            extend(node.values())
        elif cls is list:
            count += len(node)
            extend(node)
        elif cls is not str and isinstance(node, (dict, list, tuple)):
            count += len(node)
            extend(node.values() if isinstance(node, dict) else node)
    return count


def _encode_texts(texts: list[str]) -> bytes:
    import marshal
    return marshal.dumps(texts, 4)


def _decode_texts(data: bytes) -> list[str] | None:
    import marshal
    try:
        texts = marshal.loads(data)
    except (ValueError, EOFError, TypeError):
        return None
    if not isinstance(texts, list) or not all(type(t) is str for t in texts):
        return None
    return texts
