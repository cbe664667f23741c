"""The one owner of lamina's on-disk caches: where they live, how entries are keyed, written
and checked. Every other package that caches is a client of this one."""
