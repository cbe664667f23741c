"""`lamina check [ENV...]`: render in memory and run the checks; exit 1 on errors."""

from __future__ import annotations

import os
import sys

import click

from lamina.api.presets import PRESETS
from lamina.cli.values_options import values_from_flags, values_options
from lamina.api.formats import CHECK_FORMATS


@click.command()
@click.argument("environments", nargs=-1)
@click.option("--project", "project_dir", default=".", type=click.Path(file_okay=False))
@click.option("--format", "fmt", type=click.Choice(CHECK_FORMATS), default="text",
              show_default=True)
@click.option("--preset", type=click.Choice(PRESETS), default=None,
              help="Override lamina.yaml's checks.preset.")
@click.option("--strict", is_flag=True, help="Warnings fail too, and images need a digest.")
@click.option("--crd-dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="Folder of CustomResourceDefinitions to validate custom resources against.")
@click.option("--no-color", is_flag=True, help="Plain text (NO_COLOR is honoured too).")
@values_options
def check(environments: tuple[str, ...], project_dir: str, fmt: str, preset: str | None,
          strict: bool, crd_dir: str | None, no_color: bool, values_files: tuple[str, ...],
          sets: tuple[str, ...], set_strings: tuple[str, ...]) -> None:
    """Check the rendered output of ENVIRONMENTS (default: all)."""
    from lamina.api.check import CheckOptions, check as run_checks
    from lamina.api.formats import format_check
    from lamina.cli.progress import progress
    with progress("checking..."):
        result = run_checks(CheckOptions(
            project_dir=project_dir, environments=environments, preset=preset, strict=strict,
            crd_dir=crd_dir, values=values_from_flags(values_files, sets, set_strings)))
    color = (fmt == "text" and sys.stdout.isatty() and not no_color
             and not os.environ.get("NO_COLOR"))
    sys.stdout.write(format_check(result, fmt, color=color))
    if result.failed(strict):
        sys.exit(1)
