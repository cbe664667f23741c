"""`lamina diff`: what a change does to each environment, resource by resource."""

from __future__ import annotations

import os
import sys

import click

from lamina.cli.output import say
from lamina.cli.values_options import values_from_flags, values_options


@click.command()
@click.argument("environments", nargs=-1)
@click.option("--base", default=None, metavar="REV", help="Compare against a render of REV.")
@click.option("--head", default=None, metavar="REV", help="Render REV instead of the working tree.")
@click.option("--envs", nargs=2, default=None, metavar="A B", help="Compare two environments.")
@click.option("--ignore-namespace", is_flag=True, help="With --envs: ignore namespaces.")
@click.option("--ignore-prefix", default=None, metavar="REGEX",
              help="With --envs: ignore a name prefix matching REGEX.")
@click.option("--ignore-field", "ignore_fields", multiple=True, metavar="PATH",
              help="Ignore changes under a dotted field path (repeatable).")
@click.option("--only", "only", multiple=True, metavar="FIELD=VALUE",
              help="Only resources whose field equals VALUE, e.g. kind=Deployment.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text")
@click.option("--no-color", is_flag=True, help="Plain text (NO_COLOR is honoured too).")
@click.option("--exit-code", is_flag=True, help="Exit 1 when anything changed.")
@click.option("--project", "project_dir", default=".", type=click.Path(file_okay=False))
@values_options
def diff(environments, base, head, envs, ignore_namespace, ignore_prefix, ignore_fields, only,
         fmt, no_color, exit_code, project_dir, values_files, sets, set_strings) -> None:
    """Show what the working tree (or --head) changes in each environment."""
    from lamina.diff import formats
    from lamina.diff.api import DiffOptions, diff as run_diff
    pairs = []
    for item in only:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"'{item}' must look like field=value", param_hint="--only")
        pairs.append((key, value))
    result = run_diff(DiffOptions(
        project_dir=project_dir, base=base, head=head, envs=tuple(envs) if envs else None,
        environments=environments, ignore_fields=ignore_fields, only=tuple(pairs),
        ignore_namespace=ignore_namespace, ignore_prefix=ignore_prefix,
        values=values_from_flags(values_files, sets, set_strings)), notify=say)
    if fmt == "json":
        sys.stdout.write(formats.as_json(result))
    elif fmt == "markdown":
        comments = formats.markdown(result)
        sys.stdout.write("\n<!-- lamina: next comment -->\n".join(comments))
    else:
        color = sys.stdout.isatty() and not no_color and not os.environ.get("NO_COLOR")
        output = formats.text(result, color=color)
        if sys.stdout.isatty() and output.count("\n") > os.get_terminal_size().lines:
            click.echo_via_pager(output)
        else:
            sys.stdout.write(output)
    if exit_code and any(env.resources for env in result):
        sys.exit(1)
