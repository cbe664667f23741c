"""lamina: Kustomize-compatible rendering with templates, checks and a rendered-branch publisher."""

__version__ = "0.1.0"

# The version string Kustomize itself reports; `buildMetadata: [managedByLabel]`
# writes it into resources, so a byte-compatible build must print the same one.
KUSTOMIZE_COMPAT_VERSION = "v5.8.1"
