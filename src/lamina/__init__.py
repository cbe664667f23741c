"""lamina: Kustomize-compatible rendering with templates, checks and a rendered-branch publisher."""

from lamina.version import KUSTOMIZE_COMPAT_VERSION, __version__

__all__ = ["KUSTOMIZE_COMPAT_VERSION", "__version__"]
