"""Rolling production back is a promotion from an earlier infra commit; history shows promotions."""

from __future__ import annotations

from pathlib import Path

from integration.promote.conftest import API, digest, document, stage_api
from integration.promote.test_promote_commit import value
from testing.bump_cli import INFRA, SOURCE_SHA, Cli
from testing.forge import Forge, git

PROMOTE = ("promote", "--mode", "commit", "--infra-repo", INFRA, "--from", "staging", "--to", "production")
FIRST = f"{API}:1.4.2@{digest('a')}"
SECOND = f"{API}:1.5.0@{digest('b')}"
LATER_BUILD = "9" * 40


def test_from_commit_rolls_production_back_and_history_shows_each_promotion(
    infra: Forge, cli: Cli, tmp_path: Path
) -> None:
    first = stage_api(infra, FIRST)
    second = stage_api(infra, SECOND, source=LATER_BUILD)
    forward = cli(*PROMOTE, "--image", API)
    assert forward.returncode == 0 and value(infra, "production") == SECOND.encode(), forward.text

    back = cli(*PROMOTE, "--image", API, "--from-commit", first[:10], "--json")

    assert back.returncode == 0, back.text
    assert value(infra, "production") == FIRST.encode()
    assert value(infra, "staging") == SECOND.encode()  # staging is read at the earlier commit only
    (promoted,) = document(back.stdout)["promoted"]
    assert (promoted["old"], promoted["new"], promoted["from_commit"]) == (SECOND, FIRST, first)
    trailers = infra.message(INFRA, "main").splitlines()
    assert f"Promoted-From-Commit: {first}" in trailers and f"Source-Commit: {SOURCE_SHA}" in trailers

    clone = tmp_path / "clone"
    git("clone", "--quiet", str(infra.bare(INFRA)), str(clone))
    listed = cli("history", "--infra-dir", str(clone), "--environment", "production", "--json")
    table = cli("history", "--infra-dir", str(clone), "--environment", "production")

    assert listed.returncode == 0 and table.returncode == 0, listed.text + table.text
    rows = [
        (d["image"], d["promoted_from"], d["promoted_from_commit"], d["source_commit"])
        for d in document(listed.stdout)["deployments"]
    ]
    assert rows == [(FIRST, "staging", first, SOURCE_SHA), (SECOND, "staging", second, LATER_BUILD)]
    assert f"{FIRST} (promoted from staging at {first[:7]})" in table.stdout
    assert f"{SECOND} (promoted from staging at {second[:7]})" in table.stdout
