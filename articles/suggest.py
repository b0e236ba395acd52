"""Prefix suggestions (being written)."""


def suggestions(prefix: str, limit: int = 10) -> list[str]:
    return []
