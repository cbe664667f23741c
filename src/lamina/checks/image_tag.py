"""image-tag: every container image is pinned: a tag that is not `latest`, or a digest.
With `require_digest` (the strict preset) every image must carry an `@sha256:` digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from lamina.checks.base import ERROR, Context, Finding, containers, pod_template

ID = "image-tag"
LEVEL = ERROR


@dataclass(frozen=True)
class Options:
    require_digest: bool = False


def split_image(image: str) -> tuple[str, str | None, str | None]:
    """(name, tag, digest) of an image reference."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = None
    if ":" in last:
        name, _, tag = name.rpartition(":")
    return name, tag, digest or None


def check(ctx: Context, options: Options) -> Iterator[Finding]:
    for obj in ctx.objects:
        tpl = pod_template(obj)
        if tpl is None:
            continue
        for field, c in containers(tpl[1]):
            image = c.get("image")
            where = f"{field[:-1]} '{c.get('name')}'"
            if not isinstance(image, str) or not image:
                yield ctx.finding(ID, LEVEL, obj, f"{where} has no image")
                continue
            _name, tag, digest = split_image(image)
            if options.require_digest and not digest:
                yield ctx.finding(ID, LEVEL, obj, f"{where} image '{image}' has no @sha256 digest")
            elif not digest and (tag is None or tag == "latest"):
                yield ctx.finding(ID, LEVEL, obj, f"{where} image '{image}' is not pinned "
                                  "(set a version tag or a digest, not latest)")
