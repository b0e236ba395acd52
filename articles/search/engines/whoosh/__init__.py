"""The Whoosh engine: the embedded default, an index on disk read as arrays."""
