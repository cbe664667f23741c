"""`lamina build DIR`: print or write what Kustomize would print."""

from __future__ import annotations

import os
import sys

import click

from lamina.cli.values_options import values_options, values_from_flags


@click.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option("-o", "--output", type=click.Path(), default=None,
              help="Write to FILE, or one file per resource into an existing DIR.")
@click.option("--load-restrictor", "load_restrictor", default="LoadRestrictionsRootOnly",
              type=click.Choice(["LoadRestrictionsRootOnly", "LoadRestrictionsNone"]),
              show_default=True,
              help="Whether files outside a kustomization's directory may be read.")
@click.option("--set-from-env", "env_prefix", default=None, metavar="PREFIX",
              help="--set KEY=VALUE for each environment variable PREFIX<KEY> ('__' in KEY "
                   "stands for '.'), e.g. ARGOCD_ENV_ for an Argo CD plugin.")
@values_options
def build(directory: str, output: str | None, load_restrictor: str, env_prefix: str | None,
          values_files: tuple[str, ...], sets: tuple[str, ...],
          set_strings: tuple[str, ...]) -> None:
    """Build the kustomization in DIRECTORY."""
    from lamina.api.build import BuildOptions, build as run_build
    if env_prefix:
        from lamina.cli.values_options import sets_from_env
        sets = sets_from_env(env_prefix, os.environ) + sets     # flags win
    options = BuildOptions(directory=directory, load_restrictor=load_restrictor,
                           values=values_from_flags(values_files, sets, set_strings))
    from lamina.errors import LaminaError, seen_from
    try:
        result = run_build(options)
    except LaminaError as exc:
        # Files named from where the command runs: `overlays/prod/kustomization.yaml:3:1`.
        base, root = seen_from(directory)
        raise exc.located(base, root=root) from None
    if output is None:
        sys.stdout.write(result.yaml())
    else:
        from lamina.api.build import write_output
        write_output(result, output)
