"""Errors of the template dialect, so callers can tell a values mistake from a template one."""

from __future__ import annotations

from lamina.errors import LaminaError


class ValuesError(LaminaError):
    """A values file or a --set argument that cannot be read."""


class ValuesSchemaError(ValuesError):
    """Merged values that do not satisfy the layer's valuesSchema, or a schema that is not one."""


class TemplateError(LaminaError):
    """A .j2 template that fails to compile, render, stay in the sandbox, or yield valid YAML."""
