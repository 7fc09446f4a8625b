"""Screenshots the browser tests take: into the temporary folder, and into ``$PLEDGENET_SCREENS`` when set
(``make screens``: docs/screens)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

SCREENS = os.environ.get("PLEDGENET_SCREENS")


def screenshot(page: Any, name: str) -> None:
    """A full-page screenshot; copied into ``$PLEDGENET_SCREENS`` when set (``make screens``)."""
    path = Path(tempfile.gettempdir()) / f"pledgenet-{name}.png"
    page.screenshot(path=str(path), full_page=False)
    assert path.stat().st_size > 10_000, "the screenshot is empty"
    if SCREENS:
        Path(SCREENS).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(SCREENS) / f"{name}.png")
