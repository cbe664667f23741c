"""lamina's version, and the Kustomize version whose output it reproduces: a leaf module, so
that any layer can read them without importing the package's public API."""

__version__ = "0.1.0"

# The version string Kustomize itself reports; `buildMetadata: [managedByLabel]`
# writes it into resources, so a byte-compatible build must print the same one.
KUSTOMIZE_COMPAT_VERSION = "v5.8.1"
