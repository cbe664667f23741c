"""`lamina explain ENV KIND/NAME FIELD.PATH`: which layers set a field."""

from __future__ import annotations

import sys

import click

from lamina.cli.values_options import values_from_flags, values_options


@click.command()
@click.argument("environment")
@click.argument("resource", metavar="KIND/NAME")
@click.argument("field", metavar="FIELD.PATH")
@click.option("--project", "project_dir", default=".", type=click.Path(file_okay=False))
@values_options
def explain(environment: str, resource: str, field: str, project_dir: str,
            values_files: tuple[str, ...], sets: tuple[str, ...], set_strings: tuple[str, ...]) -> None:
    """Say which file and line set FIELD.PATH of KIND/NAME in ENVIRONMENT, layer by layer.

    FIELD.PATH is dotted; `[0]` indexes a list and `[name=web]` picks the item named web,
    e.g. spec.template.spec.containers[name=web].image."""
    from lamina.api.explain import ExplainOptions, explain as run_explain
    sys.stdout.write(run_explain(ExplainOptions(
        environment, resource, field, project_dir=project_dir,
        values=values_from_flags(values_files, sets, set_strings))).text())
