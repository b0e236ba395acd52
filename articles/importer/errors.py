"""Why a file (or one line of a JSON Lines file) was not imported."""

from __future__ import annotations


class SkipInput(Exception):
    """Raised for input the importer refuses; ``reason`` is one line for the report."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnreadableFile(SkipInput):
    """The bytes could not be turned into article text."""


class EmptyFile(UnreadableFile):
    pass


class BinaryFile(UnreadableFile):
    pass


class FileTooLarge(UnreadableFile):
    pass


class UndecodableFile(UnreadableFile):
    pass


class NotAnArticle(SkipInput):
    """Readable text, but not shaped like an article (no headline, no body)."""
