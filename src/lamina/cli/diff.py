"""`lamina diff`: what a change does to each environment, resource by resource."""

from __future__ import annotations

import os
import shutil
import sys

import click

from lamina.cli.output import say
from lamina.cli.values_options import values_from_flags, values_options
from lamina.api.formats import DIFF_FORMATS


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
@click.option("--format", "fmt", type=click.Choice(DIFF_FORMATS), default="text")
@click.option("--no-color", is_flag=True, help="Plain text (NO_COLOR is honoured too).")
@click.option("--no-pager", is_flag=True,
              help="Print straight to the terminal (by default a diff taller than the "
                   "terminal goes through $LAMINA_PAGER, $PAGER or less).")
@click.option("--exit-code", is_flag=True, help="Exit 1 when anything changed.")
@click.option("--project", "project_dir", default=".", type=click.Path(file_okay=False))
@values_options
def diff(environments, base, head, envs, ignore_namespace, ignore_prefix, ignore_fields, only,
         fmt, no_color, no_pager, exit_code, project_dir, values_files, sets, set_strings) -> None:
    """Show what the working tree (or --head) changes in each environment."""
    from lamina.cli.progress import progress
    from lamina.api.diff import DiffOptions, diff as run_diff
    from lamina.api.formats import format_diff
    pairs = []
    for item in only:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"'{item}' must look like field=value", param_hint="--only")
        pairs.append((key, value))
    with progress("rendering both sides..."):
        result = run_diff(DiffOptions(
            project_dir=project_dir, base=base, head=head, envs=tuple(envs) if envs else None,
            environments=environments, ignore_fields=ignore_fields, only=tuple(pairs),
            ignore_namespace=ignore_namespace, ignore_prefix=ignore_prefix,
            values=values_from_flags(values_files, sets, set_strings)), notify=say)
    color = (fmt == "text" and sys.stdout.isatty() and not no_color
             and not os.environ.get("NO_COLOR"))
    output = format_diff(result, fmt, color=color)
    if fmt == "text" and not no_pager and sys.stdout.isatty() and sys.stdin.isatty() and \
            output.count("\n") > shutil.get_terminal_size().lines:
        _page(output, color)
    else:
        sys.stdout.write(output)
    if exit_code and any(env.resources for env in result):
        sys.exit(1)


def _page(output: str, color: bool) -> None:
    """Through $LAMINA_PAGER, else $PAGER, else `less -FRX` (quit if one screen, keep
    colours, leave the text on screen), as git pages."""
    pager = os.environ.get("LAMINA_PAGER") or os.environ.get("PAGER") or "less"
    if pager.strip() in ("", "cat"):
        sys.stdout.write(output)
        return
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    import subprocess
    try:
        proc = subprocess.Popen(pager, shell=True, stdin=subprocess.PIPE, env=env)
    except OSError:
        sys.stdout.write(output)
        return
    try:
        assert proc.stdin is not None
        proc.stdin.write(output.encode("utf-8"))
        proc.stdin.close()
    except BrokenPipeError:         # the reader quit early (q in less)
        pass
    proc.wait()
