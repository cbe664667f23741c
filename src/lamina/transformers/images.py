"""ImageTagTransformer: rewrite container image references (`images:` in a kustomization).

Kustomize runs two passes per `images:` entry, and lamina keeps both because their sum is
observable:
1. a legacy pass that looks at the `image` of every element of any `containers` or
   `initContainers` list, wherever it sits in the object;
2. a field-spec pass over the configured image paths (pod specs, pod templates, image
   volumes).
A reference both passes reach is rewritten twice. That is harmless for a new name, tag or
digest (the second pass no longer matches, or writes the same value) but a `tagSuffix`
is appended twice, exactly as Kustomize does. CustomResourceDefinitions are never touched.

The entry's `name` is a regular expression (Kustomize pastes it into one unescaped), so
`name: "["` is an error and `name: ngin.` matches `nginx`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from lamina.errors import KustomizationError, ResourceError
from lamina.model.resmap import ResMap
from lamina.model.resource import Resource
from lamina.transformers.base import PluginContext
from lamina.transformers.fieldspecs import FieldSpec
from lamina.transformers.fieldwalk import PathError, WrongNodeKind, apply_fieldspecs
from lamina.transformers.labels import field_specs
from lamina.yaml.scalars import resolve_v3

# Tags may hold {} for tools (Bazel rules_k8s) that template them.
_TAG_CHARS = r"[a-zA-Z0-9_.{}-]*"
_LEGACY_FIELDS = ("containers", "initContainers")
_SKIPPED_KIND = "CustomResourceDefinition"


@dataclass(frozen=True, slots=True)
class ImageTag:
    """One `images:` entry."""

    name: str
    new_name: str = ""
    new_tag: str = ""
    digest: str = ""
    tag_suffix: str = ""

    @classmethod
    def from_dict(cls, d: Any) -> "ImageTag":
        if d is None:
            d = {}
        if not isinstance(d, Mapping):
            raise KustomizationError(f"an images entry must be a map, got {d!r}")
        vals: dict[str, str] = {}
        for key, attr in (("name", "name"), ("newName", "new_name"), ("newTag", "new_tag"),
                          ("digest", "digest"), ("tagSuffix", "tag_suffix")):
            v = d.get(key)
            if v is None:
                v = ""
            if not isinstance(v, str):
                # Kustomize decodes these into Go strings, so `newTag: 1.0` is refused
                # rather than guessed at; the user must quote it.
                raise KustomizationError(
                    f"images entry {key!r} must be a string, got {type(v).__name__} {v!r} "
                    f"(quote it) in {dict(d)!r}")
            vals[attr] = v
        return cls(**vals)


def compile_name(name: str) -> re.Pattern[str]:
    """The matcher Kustomize builds from an image name: the name as a regex, then an
    optional tag and an optional sha256 digest, anchored at both ends."""
    try:
        return re.compile("^" + name + "(:" + _TAG_CHARS + ")?(@sha256:" + _TAG_CHARS + r")?\Z")
    except re.error as e:
        raise KustomizationError(
            f"images: name {name!r} is not a valid regular expression: {e}") from None


def split_image(ref: str) -> tuple[str, str, str]:
    """Split `[host[:port]/]path[:tag][@digest]` into (name, tag, digest).

    Only text after the first `/` is searched for `:` and `@`, so a registry port is kept
    in the name. A digest that comes before any tag colon takes the rest of the string.
    """
    slash = ref.find("/")
    offset = slash if slash > 0 else 0
    search = ref[offset:]
    at = search.find("@")
    colon = search.find(":")
    if colon < 0 and at < 0:
        return ref, "", ""
    if at >= 0 and (colon < 0 or at < colon):
        return ref[:offset + at], "", ref[offset + at + 1:]
    if at >= 0:
        return ref[:offset + colon], ref[offset + colon + 1:offset + at], ref[offset + at + 1:]
    return ref[:offset + colon], ref[offset + colon + 1:], ""


def rewrite(ref: str, tag: ImageTag, matcher: re.Pattern[str]) -> str | None:
    """The new reference for `ref`, or None when the entry does not apply to it."""
    if matcher.search(ref) is None:
        return None
    name, old_tag, digest = split_image(ref)
    if tag.new_name:
        name = tag.new_name
    # Any new tag or digest replaces both old parts; only tagSuffix builds on the old tag.
    if tag.new_tag and tag.digest:
        old_tag, digest = tag.new_tag, tag.digest
    elif tag.new_tag:
        old_tag, digest = tag.new_tag, ""
    elif tag.digest:
        old_tag, digest = "", tag.digest
    elif tag.tag_suffix:
        old_tag, digest = old_tag + tag.tag_suffix, ""
    if old_tag:
        name += ":" + old_tag
    if digest:
        name += "@" + digest
    return name


def _kind_name(value: Any) -> str:
    if isinstance(value, dict):
        return "MappingNode"
    if isinstance(value, list):
        return "SequenceNode"
    return "ScalarNode"


@dataclass(frozen=True)
class ImageTagTransformer:
    tag: ImageTag
    field_specs: tuple[FieldSpec, ...]
    matcher: re.Pattern[str]

    def _update(self, value: Any) -> Any:
        text = _image_text(value)
        if text is None:
            return value
        new = rewrite(text, self.tag, self.matcher)
        if new is None:
            return value
        # Kustomize swaps in the new text but keeps the node's style, and image fields are
        # almost always plain scalars, so the text is read again as YAML: `newName: "1e3"`
        # ends up as the number 1000. (A quoted original would stay a string; that style
        # is not kept after parsing.)
        return resolve_v3(new)

    def _legacy_walk(self, node: Any) -> None:
        _legacy_walk(node, self._update)

    def _field_spec_pass(self, res: Resource) -> None:
        apply_fieldspecs(res.obj, self.field_specs, self._update, create_ok=False,
                         describe=lambda: str(res.cur_id))

    def transform(self, resmap: ResMap) -> None:
        targets = [r for r in resmap if r.kind != _SKIPPED_KIND]
        for res in targets:
            try:
                self._legacy_walk(res.obj)
            except PathError as e:
                raise ResourceError(f"updating images of {res.cur_id}: {e.message}") from None
        for res in targets:
            self._field_spec_pass(res)


def _image_text(value: Any) -> str | None:
    """The text Kustomize matches an image field by; None when nothing can match."""
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        raise WrongNodeKind("ScalarNode", _kind_name(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        # Kustomize matches the scalar's text, so `image: 123` answers to name "123".
        return str(value)
    if isinstance(value, str):
        return value
    # A float's original spelling is gone after parsing; no registry name is one.
    return None


def _legacy_walk(node: Any, update: Callable[[Any], Any]) -> None:
    """Visit every map in document order; after a field's value has been walked, a
    `containers`/`initContainers` list gets its elements' `image` rewritten."""
    if isinstance(node, list):
        for elem in node:
            if isinstance(elem, (dict, list)):
                _legacy_walk(elem, update)
        return
    if not isinstance(node, dict):
        return
    # Only maps and lists are entered (most values are scalars); the rewrites below
    # replace values in the elements, never keys of `node`, so its items can be iterated.
    for key, value in node.items():
        if not isinstance(value, (dict, list)):
            continue
        _legacy_walk(value, update)
        if key in _LEGACY_FIELDS and isinstance(value, list):
            for elem in value:
                if elem is None:
                    continue
                if not isinstance(elem, dict):
                    raise WrongNodeKind("MappingNode", _kind_name(elem))
                if "image" in elem:
                    elem["image"] = update(elem["image"])


def _image_texts(res: Resource, specs: tuple[FieldSpec, ...]) -> list[str]:
    """Every image text either pass of an entry would look at in `res`. Raises as a pass
    would: the passes only ever replace one scalar with another, so the shape they check
    is the same for every entry."""
    texts: list[str] = []

    def record(value: Any) -> Any:
        text = _image_text(value)
        if text is not None:
            texts.append(text)
        return value

    _legacy_walk(res.obj, record)
    apply_fieldspecs(res.obj, specs, record, create_ok=False)
    return texts


def transform_in_sequence(transformers: list[ImageTagTransformer], resmap: ResMap) -> None:
    """Run `images:` entries one after another, with the result of running each on the
    whole map in turn, as Kustomize does; but visit a resource with an entry only when one
    of its image texts matches that entry.

    Every entry walks every object, so a 200-service overlay with an entry per service
    walked 200 x 1,000 objects. Entries on one resource never depend on other resources,
    so going resource by resource (entries in order) gives the same objects. When the shape
    check fails anywhere, the entries run whole-map, so the error is the one Kustomize
    reports first."""
    specs = {t.field_specs for t in transformers}
    targets = [r for r in resmap if r.kind != _SKIPPED_KIND]
    try:
        if len(specs) != 1:
            raise PathError("entries with different field specs")
        spec = next(iter(specs))
        texts = [_image_texts(r, spec) for r in targets]
    except (PathError, ResourceError):
        for t in transformers:
            t.transform(resmap)
        return
    index = _NameIndex(transformers)
    for res, seen in zip(targets, texts):
        done = -1
        while True:
            for k in index.candidates(seen, done):
                t = transformers[k]
                if any(t.matcher.search(x) for x in seen):
                    t._legacy_walk(res.obj)
                    t._field_spec_pass(res)
                    seen = _image_texts(res, spec)
                    done = k
                    break
            else:
                break


# Characters that make an image name a pattern of variable length (a `.` matches one
# character, so a name made of literals and dots always matches exactly len(name) chars).
_VARIABLE = frozenset("\\^$*+?{}[]|()")


class _NameIndex:
    """Which entries could match an image text, without trying every entry's pattern.

    An entry's pattern is `^NAME(:tag)?(@sha256:digest)?$`, NAME a regex; when NAME has no
    quantifier, class, group or escape, it matches exactly len(NAME) characters, which
    the text must follow with nothing, `:` or `@`. So only entries whose name length is
    the text's length or the position of one of its `:` or `@` can match; the others
    (names with other regex syntax) are always tried. Candidates keep entry order."""

    def __init__(self, transformers: list["ImageTagTransformer"]):
        self.by_length: dict[int, list[int]] = {}
        self.always: list[int] = []
        for k, t in enumerate(transformers):
            name = t.tag.name
            if _VARIABLE.isdisjoint(name):
                self.by_length.setdefault(len(name), []).append(k)
            else:
                self.always.append(k)

    def candidates(self, texts: list[str], after: int) -> list[int]:
        found = set(self.always)
        for text in texts:
            lengths = {len(text)}
            lengths.update(i for i, ch in enumerate(text) if ch == ":" or ch == "@")
            for n in lengths:
                found.update(self.by_length.get(n, ()))
        return sorted(k for k in found if k > after)


def make(config: dict[str, Any], ctx: PluginContext) -> ImageTagTransformer:
    """Factory for `ImageTagTransformer` configs: {imageTag: {...}, fieldSpecs: [...]}."""
    tag = ImageTag.from_dict(config.get("imageTag"))
    specs = field_specs(config.get("fieldSpecs"), "ImageTagTransformer fieldSpecs")
    return ImageTagTransformer(tag, specs, compile_name(tag.name))
