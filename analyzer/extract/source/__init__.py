"""Service source code, parsed with tree-sitter: one parse per file, one walk over the tree."""
