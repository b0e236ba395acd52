"""Helpers for the browser tests: where Chromium is, how to start it, and
where screenshots go (``test-artifacts/screenshots`` at the repository root,
ignored by git)."""

from __future__ import annotations

from pathlib import Path

import pytest

# Debian's package; CI installs it with apt (chromium chromium-driver).
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


skip_without_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"browser tests need Chromium at {CHROMIUM} "
    "(apt-get install -y chromium chromium-driver)",
)


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG; ``full_page=False`` keeps what the screen shows first."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
