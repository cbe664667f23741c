"""lamina's template dialect: layered, typed values and sandboxed Jinja2 templates (``*.j2``).

The build core calls, in order: ``load_values_file`` for each layer's ``values:`` (deepest
base first) and ``--values`` files, ``layer_from_sets`` for --set/--set-string,
``merge_layers``, ``validate_values`` for each ``valuesSchema``, then ``render_template`` for
every ``.j2`` file and ``check_rendered_yaml`` on its output. See docs/dialect.md for the rules.
"""

from lamina.templates.errors import TemplateError, ValuesError, ValuesSchemaError
from lamina.templates.merge import MergedValues, deep_merge, merge_layers
from lamina.templates.paths import ValuePath, format_path, parse_path
from lamina.templates.provenance import format_values
from lamina.templates.render import RenderedText, TemplateCache, check_rendered_yaml, render_template
from lamina.templates.sandbox import RenderLimitError, RenderLimits
from lamina.templates.schema import ValuesSchema, load_schema, validate_values
from lamina.templates.schema_nav import MERGE_KEY
from lamina.templates.values import ValuesLayer, layer_from_sets, load_values_file

__all__ = [
    "MERGE_KEY",
    "MergedValues",
    "RenderLimitError",
    "RenderLimits",
    "RenderedText",
    "TemplateCache",
    "TemplateError",
    "ValuePath",
    "ValuesError",
    "ValuesLayer",
    "ValuesSchema",
    "ValuesSchemaError",
    "check_rendered_yaml",
    "deep_merge",
    "format_path",
    "format_values",
    "layer_from_sets",
    "load_schema",
    "load_values_file",
    "merge_layers",
    "parse_path",
    "render_template",
    "validate_values",
]
