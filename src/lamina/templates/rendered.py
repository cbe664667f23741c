"""A template's rendered text, with what later messages need to point back into the user's
files: the template line of every output line, and the values it was rendered with."""

from __future__ import annotations

from typing import Any

from lamina.errors import SourceRef
from lamina.templates.merge import MergedValues


class RenderedText(str):
    """Rendered output that remembers, for each output line, the template line it came from."""

    line_map: tuple[int, ...]
    # The template's text and the values it was rendered with (references, no copies): a
    # message about a field asks value_source() which values line set it.
    template: str = ""
    values: MergedValues | None = None

    def __new__(cls, text: str, line_map: tuple[int, ...], template: str = "",
                values: MergedValues | None = None) -> "RenderedText":
        obj = super().__new__(cls, text)
        obj.line_map = line_map
        obj.template, obj.values = template, values
        return obj

    def value_source(self, line: int, field: tuple[Any, ...], scalar: str) -> tuple[str, SourceRef] | None:
        """(values key, where it was set) when template `line` wrote `field` as exactly one
        values leaf whose text is `scalar` (templates/value_lines.py); None otherwise."""
        if self.values is None or not self.template:
            return None
        from lamina.templates.value_lines import value_origin
        return value_origin(self.template, line, field, scalar, self.values)

    def values_read(self, line: int) -> tuple[tuple[str, SourceRef], ...]:
        """Every values key template `line` reads, with where each was set."""
        if self.values is None or not self.template:
            return ()
        from lamina.templates.value_lines import line_reads
        return line_reads(self.template, line, self.values)

    def template_line(self, output_line: int) -> int:
        """The template line that produced 1-based ``output_line`` (for errors found later)."""
        if not self.line_map:
            return output_line
        return self.line_map[max(1, min(output_line, len(self.line_map))) - 1]
