"""The `lamina` command: parses arguments, dispatches, and turns errors into exit codes.

Exit codes: 0 success, 1 a problem with the user's input (one clear message on stderr),
2 a usage error (click's own convention). Set LAMINA_DEBUG=1 to see tracebacks.

Subcommands are loaded lazily: only the module of the command being run is imported
(`lamina --help` and the "did you mean" of an unknown name load them all), so that `lamina build`
does not pay for what `render`, `check` or `diff` import.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
import warnings

import click

from lamina.version import __version__
from lamina.errors import LaminaError, LaminaWarning

# name -> (module, attribute) of every subcommand, in no particular order (click sorts).
COMMANDS: dict[str, tuple[str, str]] = {
    "build": ("lamina.cli.build", "build"),
    "values": ("lamina.cli.values", "values"),
    "render": ("lamina.cli.render", "render"),
    "publish": ("lamina.cli.publish", "publish"),
    "rollback": ("lamina.cli.publish", "rollback"),
    "release": ("lamina.cli.publish", "release"),
    "promote": ("lamina.cli.publish", "promote"),
    "history": ("lamina.cli.history", "history"),
    "status": ("lamina.cli.history", "status"),
    "check": ("lamina.cli.check", "check"),
    "diff": ("lamina.cli.diff", "diff"),
    "explain": ("lamina.cli.explain", "explain"),
    "cache": ("lamina.cli.cache", "cache"),
    "init": ("lamina.cli.init", "init"),
    "completion": ("lamina.cli.completion", "completion"),
    "vendor": ("lamina.cli.vendor", "vendor"),
}


class _Group(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = self.commands.get(cmd_name)
        if command is None and cmd_name in COMMANDS:
            module, attr = COMMANDS[cmd_name]
            command = getattr(importlib.import_module(module), attr)
            if command.epilog is None:
                from lamina.cli.help import epilog
                command.epilog = epilog(cmd_name)
            self.add_command(command, cmd_name)
        return command

    def resolve_command(self, ctx: click.Context, args: list[str]):
        if args and args[0] not in COMMANDS:
            # click suggests close names from the loaded commands: load them all first.
            for name in COMMANDS:
                self.get_command(ctx, name)
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except LaminaError as exc:
            if os.environ.get("LAMINA_DEBUG"):
                raise
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
        except OSError as exc:
            # The environment's fault (a full disk, a read-only folder, a denied permission)
            # that reached here without a path-naming WriteFault: still one message, exit 1.
            from lamina.api.faults import environment_fault
            found = None if os.environ.get("LAMINA_DEBUG") else environment_fault(exc)
            if found is None:
                return self._internal(exc)
            click.echo(f"Error: {found}", err=True)
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
            self._internal(exc)

    @staticmethod
    def _internal(exc: Exception) -> None:
        if os.environ.get("LAMINA_DEBUG"):
            raise exc
        click.echo(f"Error: internal error: {type(exc).__name__}: {exc}\n"
                   "This is a bug in lamina; rerun with LAMINA_DEBUG=1 for details.", err=True)
        sys.exit(1)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """lamina's own warnings (errors.LaminaWarning) as one `Warning: ...` line."""
    if issubclass(category, LaminaWarning):
        click.echo(f"Warning: {message}", err=True)
    else:
        _default_show(message, category, filename, lineno, file, line)


_default_show = warnings.showwarning
warnings.showwarning = _show_warning


_EPILOG = """\b
Examples:
  lamina init                  # set up a repository (asks, on a terminal)
  lamina render                # every environment into rendered/, after the checks
  lamina diff --base origin/main

\b
Docs: https://github.com/lamina-dev/lamina/blob/main/README.md"""


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]},
             epilog=_EPILOG)
@click.version_option(__version__, prog_name="lamina")
def cli() -> None:
    """Render Kubernetes kustomization trees exactly as Kustomize does, and more.

    Start with `lamina init`; `lamina COMMAND --help` shows examples and the docs page."""


def main() -> None:
    try:
        cli(prog_name="lamina")
    finally:
        # The process ends here. Moving every object into the collector's permanent
        # generation spares the interpreter's final garbage collections a walk over all
        # of them (every module, function and class lamina and its libraries loaded):
        # 6 to 9 ms measured, a tenth of a small build. Nothing is left unflushed: files
        # are closed where they are written, and stdout is flushed at exit as usual.
        gc.freeze()


if __name__ == "__main__":
    main()
