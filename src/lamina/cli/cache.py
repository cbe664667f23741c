"""`lamina cache info` and `lamina cache clear`."""

from __future__ import annotations

import click


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB"):
        if n < 1024:
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024    # type: ignore[assignment]
    return f"{n:.1f} GiB"


@click.group()
def cache() -> None:
    """Show or clear lamina's on-disk caches."""


@cache.command()
def info() -> None:
    """Where the caches are, how big each is, and the size limit."""
    from lamina.api.cache import cache_info
    found = cache_info()
    state = "on" if found.enabled else "off (LAMINA_NO_CACHE)"
    click.echo(f"folder: {found.folder}\ncaching: {state}\n"
               f"limit: {_size(found.limit)} (LAMINA_CACHE_MAX_MB)")
    for section in found.sections:
        click.echo(f"{section.name}: {section.files} files, {_size(section.bytes)}")
    click.echo(f"total: {found.files} files, {_size(found.bytes)}")


@cache.command()
def clear() -> None:
    """Remove every cache entry; the next build computes everything afresh."""
    from lamina.api.cache import cache_clear
    done = cache_clear()
    click.echo(f"removed {done.files} files from {done.folder}")
