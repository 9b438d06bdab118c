"""The services file's first check, importing nothing of the engine: `gitops-ci plan` runs it
before the engine (and git) load, so that a missing file is refused at once."""

from __future__ import annotations

from pathlib import Path

from gitops_ci.errors import UserError

EXAMPLE = "services:\n  - name: api\n    context: services/api"


def check_exists(path: Path, shown: str) -> None:
    if not path.is_file():
        raise UserError(
            f"the services file {shown} does not exist",
            fix=f"create it at the repository's root, or point services-file at it; it starts:\n{EXAMPLE}",
        )
