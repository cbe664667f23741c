"""lamina's own kustomization fields: layered `values:` and `.j2` templates.

Values are gathered before the build starts, because a base's templates must see the
merged values of the overlay being built: the deepest base's values come first, then each
layer above it up to the overlay, then `--values` files, then `--set` flags. Only
kustomizations with `apiVersion: lamina.dev/v1alpha1` may declare values or render `.j2`
files; a Kustomize-dialect tree builds exactly as Kustomize builds it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable

from lamina.errors import KustomizationError, LaminaError, SourceRef
from lamina.kustomize.kustomization import load_kustomization
from lamina.kustomize.loader import FileLoader, is_remote

TEMPLATE_SUFFIX = ".j2"


@dataclass(frozen=True)
class ValuesOptions:
    """Values given on the command line, above every layer in the tree."""

    files: tuple[str, ...] = ()
    sets: tuple[str, ...] = ()
    set_strings: tuple[str, ...] = ()


@dataclass
class _Walk:
    layers: list[Any] = field(default_factory=list)
    schemas: list[Any] = field(default_factory=list)      # templates.ValuesSchema
    seen: set[str] = field(default_factory=set)
    uses_dialect: bool = False
    resource_templates: set[str] = field(default_factory=set)   # displays of `.j2` resources
    loaded: dict[str, Any] = field(default_factory=dict)        # root -> Kustomization


def _walk(loader: FileLoader, walk: _Walk) -> None:
    """Post-order over bases and components, each kustomization once."""
    if loader.root in walk.seen:
        return
    walk.seen.add(loader.root)
    k = load_kustomization(loader)
    walk.loaded[loader.root] = k
    for entry in k.list("resources") + k.list("components"):
        if is_remote(entry):
            continue
        if os.path.isdir(os.path.join(loader.root, entry)):
            _walk(loader.new(entry), walk)
    if k.dialect != "lamina":
        return
    walk.uses_dialect = True
    for entry in k.list("resources"):
        if isinstance(entry, str) and entry.endswith(TEMPLATE_SUFFIX) and not is_remote(entry):
            walk.resource_templates.add(loader.display(entry))
    from lamina.templates import load_schema, load_values_file
    for path in k.list("values"):
        display = loader.display(path)
        walk.layers.append(load_values_file(display, loader.read_text(path)))
    schema_path = k.get("valuesSchema")
    if schema_path:
        display = loader.display(schema_path)
        schema = load_schema(display, loader.read_text(schema_path))
        if not isinstance(schema.schema, dict):
            raise KustomizationError("valuesSchema must be one JSON Schema document (a map)",
                                     SourceRef(display))
        walk.schemas.append(schema)


def merged_values(loader: FileLoader, options: ValuesOptions,
                  loaded: dict[str, Any] | None = None) -> Any | None:
    """The values every template of this build sees, or None when nothing uses them.
    `loaded`, when given, receives every kustomization read (by folder), so the build
    does not parse them a second time."""
    walk = _Walk(loaded=loaded if loaded is not None else {})
    _walk(loader, walk)
    if not walk.uses_dialect and not (options.files or options.sets or options.set_strings):
        return None
    from lamina.templates import layer_from_sets, load_values_file, merge_layers, validate_values
    layers = list(walk.layers)
    from lamina.yaml.encoding import NOT_TEXT, read as read_yaml_file
    for path in options.files:
        # Named by absolute path: the command names it from the project root or the
        # working directory (LaminaError.located), whichever it runs from.
        path = os.path.abspath(path)
        try:
            text = read_yaml_file(path)
        except OSError as exc:
            raise KustomizationError(f"cannot read values file: {exc.strerror}: check the "
                                     "--values path or the environment's values list",
                                     SourceRef(path)) from None
        except UnicodeDecodeError:
            raise KustomizationError(f"values file {NOT_TEXT}", SourceRef(path)) from None
        layers.append(load_values_file(path, text))
    if options.sets or options.set_strings:
        layers.append(layer_from_sets(list(options.sets), list(options.set_strings)))
    # The overlay's schema decides how lists merge (its merge keys); every schema in the
    # tree must then accept the merged values.
    merged = merge_layers(layers, [s.schema for s in reversed(walk.schemas)] or None)
    for schema in walk.schemas:
        merged = validate_values(merged, schema.schema, schema.path, schema.positions)
    return _with_resource_templates(merged, frozenset(walk.resource_templates),
                                    loader.build_root or loader.root)


def _with_resource_templates(merged: Any, displays: frozenset[str], root: str) -> Any:
    # Imported here: a Kustomize-dialect build never loads the template engine (Jinja2 and
    # jsonschema cost tens of milliseconds of start-up).
    from lamina.kustomize.build_values import BuildValues
    return BuildValues(data=merged.data, origins=merged.origins, sources=merged.sources,
                       resource_templates=displays, root=root)


def make_renderer(values: Any) -> Callable[[str, str], str]:
    from lamina.templates import check_rendered_yaml, render_template
    from lamina.templates.render import TemplateCache
    cache = TemplateCache()   # a base's template compiles once per build, not once per use
    resource_templates: frozenset[str] = getattr(values, "resource_templates", frozenset())

    def render(text: str, display: str) -> str:
        rendered = render_template(text, display, values, cache=cache)
        # Parse once here so a template that renders broken YAML is reported at the
        # template's own line, not at a line of text the user never wrote.
        check_rendered_yaml(rendered, display)
        text = str(rendered)
        # Kustomize's parser refuses a few things PyYAML accepts (`[x?y]`); read the text as
        # the build will, so that those errors too name the template's line.
        # A resource template is also checked as resources (`metadata.name`, `kind`), for
        # the same reason.
        from lamina.yaml.reader import load_all_with_lines
        try:
            docs = load_all_with_lines(text, display)
            if display in resource_templates:
                from lamina.model.documents import resources_from_documents
                resources_from_documents(docs, display, None)
        except LaminaError as exc:
            source = exc.source
            if source is None or source.line is None or source.path != display:
                raise
            line = rendered.template_line(source.line)
            raise type(exc)(f"{exc.message} (rendered line {source.line})",
                            SourceRef(display, line)) from None
        # The RenderedText (a str) goes on: the loader maps its documents' lines, and
        # later field look-ups (yaml/positions.py), back to the template's lines.
        return rendered
    return render
