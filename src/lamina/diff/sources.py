"""The resources of a rendered tree, as `lamina diff` compares them: parsed from its files
(the rendered branch's, or an output folder's read through fsguard), one list per target."""

from __future__ import annotations

import os
from typing import Any

from lamina.fsguard import Folder
from lamina.yaml import load_all

Side = dict[str, list[dict[str, Any]]]     # target path (env or env/cluster) -> its objects


def parse_files(files: dict[str, str], not_resources: frozenset[str] = frozenset()) -> Side:
    """The objects of rendered files (output-relative path -> text), by target; hidden
    files, `_argocd/`-like folders and files named in `not_resources` are skipped."""
    side: Side = {}
    for rel, text in sorted(files.items()):
        parts = rel.split("/")
        if parts[-1] in not_resources or rel.startswith(".") or parts[0].startswith("_"):
            continue
        # <env>[/<cluster>]/<namespace|_cluster>/<file>: the target is all but the last two.
        target = "/".join(parts[:-2]) if len(parts) >= 3 else parts[0]
        side.setdefault(target, []).extend(d for d in load_all(text, rel) if isinstance(d, dict))
    return side


def output_folder(path: str, not_resources: frozenset[str] = frozenset()) -> Side | None:
    """The objects of an output folder (the committed rendered/: a pull request's), read
    through fsguard: a link inside it is refused, never followed."""
    if not os.path.isdir(path) or os.path.islink(path):
        return None
    folder = Folder(path)
    files = {}
    for here, _dirs, names in folder.walk_files():
        for name in names:
            if name.endswith(".yaml") and name != "kustomization.yaml":
                rel = f"{here}/{name}" if here else name
                text = folder.read_text(rel)
                if text is not None:
                    files[rel] = text
    return parse_files(files, not_resources)
