"""Build one kustomization with a field tracer and say who set the field, layer by layer
(the use case, which finds the environment's overlay and values, is lamina/api/explain.py)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from lamina.errors import SourceRef
from lamina.explain.tracer import MISSING, Event, ExplainError, FieldTracer, lookup, parse_field_path
from lamina.kustomize.dialect import ValuesOptions
from lamina.yaml.value_positions import ValueSource


@dataclass(frozen=True)
class Explanation:
    """Every step that changed the field, in build order, and its final value (a Secret's
    value redacted); file paths are named from the project root."""

    resource: str                                   # Kind/name
    field: str
    events: tuple[Event, ...]
    final: Any
    values_origin: tuple[tuple[str, SourceRef], ...]  # (values key, file:line) behind a template

    def text(self) -> str:
        """What `lamina explain` prints."""
        return format_explanation(self)


def _template_values(template: SourceRef | None, overlay_dir: str) -> list[tuple[str, SourceRef]]:
    """Every values key the template line `template` reads, and where each was set (the
    build's own rendering of the template: yaml/positions.py keeps it)."""
    if template is None or not template.line or not template.path.endswith(".j2"):
        return []
    from lamina.yaml.positions import rendered_text
    rendered = rendered_text(os.path.join(overlay_dir, template.path))
    reads = getattr(rendered, "values_read", None)
    return list(reads(template.line)) if reads is not None else []


def parse_resource(resource: str) -> tuple[str, str, str | None, str]:
    """`Kind/name`, `Kind/namespace/name` or `Kind.group/name` -> (kind, name, namespace,
    group)."""
    parts = resource.split("/")
    if len(parts) not in (2, 3) or not all(parts):
        raise ExplainError(f"'{resource}' must look like Kind/name or Kind/namespace/name "
                           "(e.g. Deployment/web)")
    kind, name = parts[0], parts[-1]
    namespace = parts[1] if len(parts) == 3 else None
    kind, _dot, group = kind.partition(".")      # Deployment.apps, as `lamina diff` prints it
    return kind, name, namespace, group


def explain_overlay(root: str, overlay: str, environment: str, resource: str, field: str,
                    values: ValuesOptions = ValuesOptions()) -> Explanation:
    """Build the kustomization in `overlay` (inside the project folder `root`) with a field
    tracer, and say who set `field` of `resource`; files are named from `root`."""
    from lamina.kustomize.build import BuildOptions, build
    kind, name, namespace, group = parse_resource(resource)
    steps = parse_field_path(field)
    tracer = FieldTracer(kind, steps, root=overlay)
    resmap = build(overlay, BuildOptions(tracer=tracer, values=values))
    matches = [r for r in resmap if r.kind == kind and (r.name == name or
               any(p.name == name for p in r.previous_ids))
               and (not group or r.api_version.rpartition("/")[0] == group)
               and (namespace is None or r.namespace == namespace)]
    if not matches and namespace is not None:
        raise ExplainError(f"no {kind} named '{name}' in namespace '{namespace}' of environment "
                           f"'{environment}'")
    if not matches:
        known = ", ".join(sorted(f"{r.kind}/{r.name}" for r in resmap if r.kind == kind)) or "none"
        raise ExplainError(f"no {kind} named '{name}' in environment '{environment}' "
                           f"(its {kind}s: {known})")
    res = matches[0]
    final = lookup(res.obj, steps)
    if final is MISSING:
        raise ExplainError(f"{kind}/{res.name} has no field {field}")
    events = tracer.history.get(id(res), [])
    declared = next((e for e in events if e.step == "declared"), None)
    where = declared.where if declared else None
    if isinstance(where, ValueSource):
        # The field is one values leaf: the event names its line, via the template's.
        origins = [(where.key, SourceRef(where.path, where.line, where.column))]
    else:
        # The template line reads values among other things: say which, and where each was set.
        origins = _template_values(where, overlay)
    rel = os.path.relpath(overlay, root)
    # No Secret value reaches the output, wherever it was copied to (lamina/redact.py).
    from lamina.redact import Redactor
    red = Redactor.of(r.obj for r in resmap)

    def shown(value: Any) -> Any:
        return value if value is MISSING else red.at(kind, list(steps), value)
    return Explanation(
        f"{kind}/{res.name}", field,
        tuple(Event(e.step, None if e.where is None else e.where.under(rel, root), shown(e.value),
                    e.resource) for e in events),
        shown(final),
        tuple((k, s.under(rel, root)) for k, s in origins))


def format_explanation(e: Explanation) -> str:
    from lamina.yaml import dump

    def show(v: Any) -> str:
        if v is MISSING:
            return "(not set)"
        text = dump(v).rstrip("\n")
        return text if "\n" not in text else "\n      " + text.replace("\n", "\n      ")
    lines = [f"{e.resource} {e.field}"]
    for i, ev in enumerate(e.events, 1):
        where = str(ev.where) if ev.where else "(build step)"
        if isinstance(ev.where, ValueSource):
            where += f" (values {ev.where.key}, via {ev.where.via})"
        action = "declared in" if ev.step == "declared" else f"{ev.step} at"
        lines.append(f"  {i}. {action} {where}: {show(ev.value)}")
        if ev.step == "declared" and not isinstance(ev.where, ValueSource):
            for key, origin in e.values_origin:
                lines.append(f"     value {key} from {origin}")
    lines.append(f"  final: {show(e.final)}")
    return "\n".join(lines) + "\n"
