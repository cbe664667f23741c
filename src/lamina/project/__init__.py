"""The lamina project: environments declared in lamina.yaml, rendered in one run."""
