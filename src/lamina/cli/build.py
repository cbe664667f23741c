"""`lamina build DIR`: print or write what Kustomize would print."""

from __future__ import annotations


import click

from lamina.cli.output import write_output
from lamina.cli.values_options import values_options, values_from_flags


@click.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option("-o", "--output", type=click.Path(), default=None,
              help="Write to FILE, or one file per resource into an existing DIR.")
@click.option("--load-restrictor", "load_restrictor", default="LoadRestrictionsRootOnly",
              type=click.Choice(["LoadRestrictionsRootOnly", "LoadRestrictionsNone"]),
              show_default=True,
              help="Whether files outside a kustomization's directory may be read.")
@values_options
def build(directory: str, output: str | None, load_restrictor: str,
          values_files: tuple[str, ...], sets: tuple[str, ...],
          set_strings: tuple[str, ...]) -> None:
    """Build the kustomization in DIRECTORY."""
    from lamina.kustomize.build import BuildOptions, build as run_build
    options = BuildOptions(load_restrictor=load_restrictor,
                           values=values_from_flags(values_files, sets, set_strings))
    from lamina.errors import LaminaError, seen_from
    try:
        resmap = run_build(directory, options)
    except LaminaError as exc:
        # Files named from where the command runs: `overlays/prod/kustomization.yaml:3:1`.
        base, root = seen_from(directory)
        raise exc.located(base, root=root) from None
    write_output(resmap, output)
