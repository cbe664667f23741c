"""`lamina values DIR`: the merged values a build of DIR would use, optionally with origins."""

from __future__ import annotations

import sys

import click

from lamina.cli.values_options import values_options, values_from_flags


@click.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option("--show-origin", is_flag=True, help="Say, for each value, the file:line that set it.")
@click.option("--load-restrictor", "load_restrictor", default="LoadRestrictionsRootOnly",
              type=click.Choice(["LoadRestrictionsRootOnly", "LoadRestrictionsNone"]))
@values_options
def values(directory: str, show_origin: bool, load_restrictor: str,
           values_files: tuple[str, ...], sets: tuple[str, ...],
           set_strings: tuple[str, ...]) -> None:
    """Print the merged values for the overlay in DIRECTORY."""
    from lamina.api.build import BuildOptions
    from lamina.api.values import values as run_values
    from lamina.errors import LaminaError, seen_from
    try:
        result = run_values(BuildOptions(directory, load_restrictor,
                                         values_from_flags(values_files, sets, set_strings)))
    except LaminaError as exc:
        base, root = seen_from(directory)
        raise exc.located(base, root=root) from None
    # Origins named as every message names files: from where the command runs.
    sys.stdout.write(result.text(show_origin, *seen_from(directory)))
