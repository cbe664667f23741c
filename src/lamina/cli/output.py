"""What several commands share: status lines on stderr, and the --lock-timeout option."""

from __future__ import annotations

from typing import Any, Callable

import click


def say(message: str) -> None:
    """A progress or status line for people: stderr, so stdout stays the data."""
    click.echo(message, err=True)


def lock_timeout_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--lock-timeout", type=click.FloatRange(min=0), default=600.0,
                        show_default=True, metavar="SECONDS",
                        help="How long to wait for another lamina run using the same output "
                             "folder before giving up.")(func)
