"""Integration and e2e tests may skip for a missing tool only when CI does not require them."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

REQUIRE_ENV = "GITOPS_CI_REQUIRE_TOOLS"


def require_tool(name: str, *, hint: str = "") -> str:
    """Return the tool's path; skip the test if it is missing, or fail when CI requires tools."""
    # Tools installed in the project's virtual environment count even when it is not on PATH.
    path = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if path:
        return path
    message = f"{name} is not installed" + (f" ({hint})" if hint else "")
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{message}, and {REQUIRE_ENV}=1 requires it: .ci/run must install it")
    pytest.skip(message)
