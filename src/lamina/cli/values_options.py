"""The --values / --set / --set-string flags shared by build, values and render."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Mapping

import click

if TYPE_CHECKING:
    from lamina.api.values import ValuesOptions


def values_options(func: Callable) -> Callable:
    func = click.option("--set-string", "set_strings", multiple=True, metavar="KEY=VALUE",
                        help="Set a value, always as a string.")(func)
    func = click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
                        help="Set a value, typed as YAML would type it (a.b=1 is a number).")(func)
    func = click.option("--values", "values_files", multiple=True,
                        type=click.Path(dir_okay=False),
                        help="A values file applied above every layer in the tree.")(func)
    return func


def sets_from_env(prefix: str, environ: Mapping[str, str]) -> tuple[str, ...]:
    """KEY=VALUE for each variable PREFIX<KEY>, sorted by name; a double underscore in KEY
    stands for a dot (ARGOCD_ENV_image__tag=v2 -> image.tag=v2), since plugin environment
    names are usually shell names. Argo CD passes an Application's plugin env this way."""
    out = []
    for name in sorted(environ):
        if name.startswith(prefix) and len(name) > len(prefix):
            key = name[len(prefix):].replace("__", ".")
            out.append(f"{key}={environ[name]}")
    return tuple(out)


def values_from_flags(files: tuple[str, ...], sets: tuple[str, ...],
                      set_strings: tuple[str, ...]) -> ValuesOptions:
    for expr in sets + set_strings:
        if "=" not in expr:
            raise click.BadParameter(f"'{expr}' must look like key.path=value",
                                     param_hint="--set")
    from lamina.api.values import ValuesOptions
    return ValuesOptions(files=files, sets=sets, set_strings=set_strings)
