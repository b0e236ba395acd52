"""Sitemaps (being written)."""
SITEMAPS: dict = {}
