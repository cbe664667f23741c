"""`lamina explain`: which layers set a field, in order, with file:line."""
