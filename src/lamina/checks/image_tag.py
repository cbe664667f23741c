"""image-tag: every container image is pinned: a tag that is not `latest`, or a digest.
With `require_digest` (the strict preset) every image must carry an `@sha256:` digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from lamina.checks.base import ERROR, Context, Finding, container_path, containers, pod_specs
from lamina.transformers.images import split_image

ID = "image-tag"
LEVEL = ERROR


@dataclass(frozen=True)
class Options:
    require_digest: bool = False


def check(ctx: Context, options: Options) -> Iterator[Finding]:
    for obj, spec in pod_specs(ctx.objects):
        for field, c in containers(spec):
            image = c.get("image")
            where = f"{field[:-1]} '{c.get('name')}'"
            at = container_path(obj, field, c) + ("image",)
            if not isinstance(image, str) or not image:
                yield ctx.finding(ID, LEVEL, obj, f"{where} has no image", at=at)
                continue
            _name, tag, digest = split_image(image)
            if options.require_digest and not digest:
                yield ctx.finding(ID, LEVEL, obj, f"{where} image '{image}' has no @sha256 digest",
                                  at=at)
            elif not digest and (not tag or tag == "latest"):
                yield ctx.finding(ID, LEVEL, obj, f"{where} image '{image}' is not pinned "
                                  "(set a version tag or a digest, not latest)", at=at)
