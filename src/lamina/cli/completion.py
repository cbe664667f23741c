"""`lamina completion bash|zsh|fish`: the shell completion script, from click's own."""

from __future__ import annotations

import click


@click.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the completion script for SHELL (commands, options, choices, paths)."""
    from click.shell_completion import get_completion_class
    from lamina.cli.main import cli
    cls = get_completion_class(shell)
    if cls is None:          # click always has these three; a guard for older clicks
        raise click.UsageError(f"no completion for {shell}")
    click.echo(cls(cli, {}, "lamina", "_LAMINA_COMPLETE").source())
