"""`lamina vendor`: argument parsing and printing only (the work is lamina.api.vendor)."""

from __future__ import annotations

import click

from lamina.api.vendor import VendorOptions, run_vendor


@click.command("vendor")
@click.argument("folders", nargs=-1, type=click.Path(file_okay=False))
@click.option("--project-dir", default=".", show_default=True, type=click.Path(file_okay=False),
              help="The project root: where lamina.lock and the vendor folder live.")
@click.option("--vendor-dir", default="vendor", show_default=True,
              help="Where vendored copies go, relative to the project root.")
@click.option("--update", "update", is_flag=False, flag_value="", default=None, metavar="[URL]",
              help="Move pins: every reference, or only URL.")
@click.option("--allow-local", is_flag=True, help="Allow file:// and local-path clone URLs.")
def vendor(folders: tuple[str, ...], project_dir: str, vendor_dir: str, update: str | None,
           allow_local: bool) -> None:
    """Fetch remote bases and files, pin them in lamina.lock, copy them into vendor/."""
    result = run_vendor(VendorOptions(
        project_dir=project_dir, folders=folders, vendor_dir=vendor_dir,
        update=update is not None, update_url=update or None, allow_local=allow_local))
    for entry in result.entries:
        pin = {"git": entry.commit[:12], "helm": entry.commit[:19]}.get(
            entry.kind, "sha256:" + entry.sha256[:12])
        mark = "*" if entry.url in result.changed else " "
        click.echo(f"{mark} {entry.url}  {pin}  {entry.vendored}")
    click.echo(f"{len(result.entries)} remote reference(s) pinned in lamina.lock"
               f" ({len(result.changed)} changed)")
