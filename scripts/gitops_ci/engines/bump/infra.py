"""The infra dir an edit works in. Light on purpose: bump-manifest checks it before the edit
engine (and its YAML parser) loads."""

from __future__ import annotations

from pathlib import Path

from gitops_ci.errors import UserError


def check_infra_dir(infra_dir: Path) -> Path:
    if not infra_dir.is_dir():
        raise UserError(
            f"infra dir {infra_dir} does not exist or is not a directory",
            fix="pass --infra-dir with the path of the infra repo checkout",
        )
    return infra_dir.resolve()
