"""What goes into the search index, and the one path by which it gets there."""
