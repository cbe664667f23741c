"""The `lamina` command: parses arguments, dispatches, and turns errors into exit codes.

Exit codes: 0 success, 1 a problem with the user's input (one clear message on stderr),
2 a usage error (click's own convention). Set LAMINA_DEBUG=1 to see tracebacks.
"""

from __future__ import annotations

import os
import sys

import click

from lamina import __version__
from lamina.errors import LaminaError


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except LaminaError as exc:
            if os.environ.get("LAMINA_DEBUG"):
                raise
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
        except RecursionError:
            click.echo("Error: input nests too deeply (recursive structure?)", err=True)
            sys.exit(1)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted", err=True)
            sys.exit(130)
        except Exception as exc:  # a bug in lamina, not the user's mistake
            if os.environ.get("LAMINA_DEBUG"):
                raise
            click.echo(f"Error: internal error: {type(exc).__name__}: {exc}\n"
                       "This is a bug in lamina; rerun with LAMINA_DEBUG=1 for details.", err=True)
            sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lamina")
def cli() -> None:
    """Render Kubernetes kustomization trees exactly as Kustomize does, and more."""


def _register() -> None:
    from lamina.cli import build as build_cmd
    from lamina.cli import values as values_cmd
    cli.add_command(build_cmd.build)
    cli.add_command(values_cmd.values)
    from lamina.cli import render as render_cmd
    cli.add_command(render_cmd.render)
    from lamina.cli import publish as publish_cmd
    cli.add_command(publish_cmd.publish)
    cli.add_command(publish_cmd.rollback)
    cli.add_command(publish_cmd.promote)
    from lamina.cli import check as check_cmd
    cli.add_command(check_cmd.check)
    from lamina.cli import diff as diff_cmd
    cli.add_command(diff_cmd.diff)
    from lamina.cli import explain as explain_cmd
    cli.add_command(explain_cmd.explain)


_register()


def main() -> None:
    cli(prog_name="lamina")


if __name__ == "__main__":
    main()
