"""`lamina promote FROM TO`: carry image tags (and chosen values) from one environment's
inputs to the next, as a small edit of the target overlay's own files."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from lamina.errors import LaminaError
from lamina.project.config import load_project
from lamina.project.yamledit import Step, set_path

_IMAGE_FIELDS = ("newName", "newTag", "digest")


class PromoteError(LaminaError):
    """The promotion cannot be carried out as asked."""


@dataclass
class Promotion:
    changes: list[str] = field(default_factory=list)     # human-readable lines
    files: dict[str, tuple[str, str]] = field(default_factory=dict)   # path -> (old, new)


def _kustomization_path(directory: str) -> str:
    from lamina.kustomize.loader import KUSTOMIZATION_FILE_NAMES
    for name in KUSTOMIZATION_FILE_NAMES:
        p = os.path.join(directory, name)
        if os.path.isfile(p):
            return p
    raise PromoteError(f"{directory} has no kustomization file")


def _inside(root: str, path: str, what: str) -> str:
    """The real path of `path`, which must stay inside the project once links are followed
    (promote edits files a pull request may have made links); PromoteError otherwise."""
    from lamina.fsguard import is_inside
    real = os.path.realpath(path)
    if not is_inside(real, root):
        raise PromoteError(f"{os.path.relpath(path, root)}: the {what} is a link to "
                           f"{real}, outside the project root {root}; lamina reads and "
                           "edits files only inside the repository")
    if not os.path.isfile(real):
        raise PromoteError(f"{os.path.relpath(path, root)}: the {what} is not a regular file")
    return real


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except UnicodeDecodeError:
        raise PromoteError(f"{path}: promote edits UTF-8 files only") from None
    except OSError as exc:
        raise PromoteError(f"{path}: cannot read: {exc.strerror}") from None


def _lookup(data: Any, key: str) -> Any:
    node = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(key)
        node = node[part]
    return node


def plan(project_dir: str, source_env: str, target_env: str, images: bool = True,
         value_keys: tuple[str, ...] = ()) -> Promotion:
    from lamina.yaml.kustfile import load_kustomization_text
    project = load_project(project_dir)
    src, dst = project.environment(source_env), project.environment(target_env)
    if src.name == dst.name:
        raise PromoteError("source and target environments are the same: choose two "
                           "environments of lamina.yaml (lamina promote dev prod)")
    src_dir = os.path.join(project.root, src.overlay)
    dst_dir = os.path.join(project.root, dst.overlay)
    result = Promotion()
    dst_k = _inside(project.root, _kustomization_path(dst_dir), "kustomization")
    if images:
        src_k = _inside(project.root, _kustomization_path(src_dir), "kustomization")
        data, _line = load_kustomization_text(_read(src_k), src_k)
        dst_data, _ = load_kustomization_text(_read(dst_k), dst_k)
        current = {i.get("name"): i for i in (dst_data or {}).get("images") or [] if isinstance(i, dict)}
        text = _read(dst_k)
        original = text
        for image in (data or {}).get("images") or []:
            if not isinstance(image, dict) or not image.get("name"):
                continue
            name = image["name"]
            for f in _IMAGE_FIELDS:
                if f in image and current.get(name, {}).get(f) != image[f]:
                    text = set_path(text, ["images", ("name", name), f], image[f],
                                    os.path.relpath(dst_k, project.root))
                    old = current.get(name, {}).get(f)
                    result.changes.append(f"image {name}: {f} {old!r} -> {image[f]!r}")
        if text != original:
            result.files[dst_k] = (original, text)
    if value_keys:
        from lamina.kustomize.dialect import ValuesOptions, merged_values
        from lamina.kustomize.loader import FileLoader
        merged = merged_values(FileLoader.at(src_dir), ValuesOptions())
        if merged is None:
            raise PromoteError(f"environment {src.name} uses no values")
        data = getattr(merged, "data", merged)
        k_data, _ = load_kustomization_text(_read(dst_k), dst_k)
        files = (k_data or {}).get("values") or []
        if not files:
            raise PromoteError(f"{os.path.relpath(dst_k, project.root)} lists no values file "
                               "to write promoted values into")
        target = _inside(project.root, os.path.join(dst_dir, str(files[-1])), "values file")
        original = result.files.get(target, (None, _read(target)))[1]
        text = original
        for key in value_keys:
            try:
                value = _lookup(data, key)
            except KeyError:
                raise PromoteError(f"environment {src.name} has no value '{key}'") from None
            if isinstance(value, (dict, list)):
                raise PromoteError(f"value '{key}' is a {type(value).__name__}; promote its leaves")
            steps: list[Step] = list(key.split("."))
            text = set_path(text, steps, value, os.path.relpath(target, project.root))
            result.changes.append(f"value {key} -> {value!r}")
        if text != original:
            result.files[target] = (original, text)
    return result


def apply(promotion: Promotion) -> None:
    """Write each edited file whole (fsguard.atomic_write), keeping its mode. plan() has
    resolved every path to a regular file inside the project: a link is edited where it
    points (inside the project), never replaced by a file."""
    from lamina.fsguard import atomic_write, fault
    for path, (_old, new) in promotion.files.items():
        try:
            mode = os.stat(path).st_mode & 0o7777
            atomic_write(path, new, mode=mode | 0o200, prefix=".lamina-promote-")
            os.chmod(path, mode)
        except OSError as exc:
            raise fault(exc, path) from None
