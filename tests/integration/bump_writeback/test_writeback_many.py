"""Many services in one bump: --set-from a folder of 30 build metadata files (as build-and-push
writes them) makes one commit (or one PR) pinning all 30, survives a racing push, and deploys
nothing when an expected build is missing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from testing.bump_cli import SOURCE_SHA, Cli, manifests
from testing.build_metadata import metadata, write
from testing.forge import Forge, git
from testing.git_http import GitServer
from testing.github_fake import FakeGitHub

MONO = "acme/mono-infra"
SERVICES = [f"svc-{i}" for i in range(30)]
DIGEST = "sha256:" + "d" * 64
BUILT_ELSEWHERE = "0123456789abcdef0123456789abcdef01234567"  # svc-7's build came from another commit


@pytest.fixture
def mono(forge: Forge) -> Forge:
    forge.create_repo(MONO, manifests(len(SERVICES) + 2))  # svc-30 and svc-31 are not bumped
    return forge


def _builds(tmp_path: Path, services: list[str], version: str = "2.0.0") -> Path:
    docs = {
        name: metadata(
            f"ghcr.io/acme/{name}",
            version,
            digest=DIGEST,
            revision=BUILT_ELSEWHERE if name == "svc-7" else SOURCE_SHA,
        )
        for name in services
    }
    return write(tmp_path / "builds", docs)


def _bump(cli: Cli, folder: Path, mode: str = "commit", *extra: str) -> tuple[str, ...]:
    return ("bump-manifest", "--mode", mode, "--infra-repo", MONO, "--set-from", str(folder), *extra)


def _pinned(forge: Forge, name: str, ref: str = "main") -> str:
    text = forge.read(MONO, ref, f"apps/{name}/deployment.yaml")
    return re.search(r"image: (\S+)", text).group(1)  # type: ignore[union-attr]


def test_thirty_services_in_one_commit(mono: Forge, cli: Cli, tmp_path: Path) -> None:
    before = mono.branch_sha(MONO, "main")
    folder = _builds(tmp_path, SERVICES)

    run = cli(*_bump(cli, folder), "--expect-builds", ",".join(SERVICES))

    assert run.returncode == 0, run.text
    assert len(mono.log(MONO, f"{before}..main")) == 1
    assert run.outputs["commit-sha"] == mono.branch_sha(MONO, "main")
    for name in SERVICES:
        assert _pinned(mono, name) == f"ghcr.io/acme/{name}:2.0.0@{DIGEST}", name
    assert _pinned(mono, "svc-30") == "ghcr.io/acme/svc-30:0.0.0"
    body = mono.message(MONO, "main").splitlines()
    images = [line for line in body if line.startswith("Image: ")]
    assert images == [f"Image: ghcr.io/acme/{name}:2.0.0@{DIGEST}" for name in sorted(SERVICES)]
    assert f"Image-Source-Commit: ghcr.io/acme/svc-7={BUILT_ELSEWHERE}" in body
    assert f"Source-Commit: {SOURCE_SHA}" in body
    rows = [
        line
        for line in body
        if re.match(r"ghcr\.io/acme/svc-\d+: 0\.0\.0 -> 2\.0\.0@sha256:d{12} \(source ", line)
    ]
    assert (
        len(rows) == 30 and "ghcr.io/acme/svc-7: 0.0.0 -> 2.0.0@sha256:dddddddddddd (source 0123456)" in rows
    )
    assert run.outputs["deployed"].splitlines() == sorted(SERVICES) and run.outputs["missing"] == ""
    summary = run.summary.splitlines()
    assert sum(line.startswith("| `ghcr.io/acme/svc-") for line in summary) == 30  # a row per image
    assert sum(line.startswith("| `apps/svc-") for line in summary) == 30  # a row per change
    git("clone", "--quiet", str(mono.bare(MONO)), str(tmp_path / "clone"))
    history = cli(
        "history", "--infra-dir", str(tmp_path / "clone"), "--image", "ghcr.io/acme/svc-7", "--json"
    )
    assert history.returncode == 0, history.text
    assert f'"source_commit": "{BUILT_ELSEWHERE}"' in history.stdout


def test_a_racing_push_is_retried_and_one_commit_holds_all_thirty(
    mono: Forge, cli: Cli, tmp_path: Path
) -> None:
    before = mono.branch_sha(MONO, "main")
    mono.advance_on_next_push(MONO, "main", {"apps/other/config.yaml": "racing: true\n"})

    run = cli(*_bump(cli, _builds(tmp_path, SERVICES)), "--json")

    assert run.returncode == 0, run.text
    assert '"attempts": 2' in run.stdout
    subjects = [line.split(" ", 1)[1] for line in mono.log(MONO, f"{before}..main")]
    assert len(subjects) == 2 and subjects[1] == "a racing pipeline"
    assert subjects[0].startswith("Deploy svc-0+svc-1+") and "-more:2.0.0 (+29 more)" in subjects[0]
    assert mono.read(MONO, "main", "apps/other/config.yaml") == "racing: true\n"
    assert all(_pinned(mono, name).endswith(f":2.0.0@{DIGEST}") for name in SERVICES)
    head = mono.message(MONO, "main")
    assert sum(line.startswith("Image: ") for line in head.splitlines()) == 30


def test_a_missing_expected_build_deploys_nothing(
    mono: Forge, cli: Cli, tmp_path: Path, git_server: GitServer
) -> None:
    before = mono.branch_sha(MONO, "main")
    folder = _builds(tmp_path, SERVICES[:28])  # svc-28 and svc-29 failed

    run = cli(*_bump(cli, folder), "--expect-builds", "\n".join(SERVICES))

    assert run.returncode == 1
    assert "2 expected build(s) missing: svc-28, svc-29; nothing deployed" in run.text
    assert mono.branch_sha(MONO, "main") == before and git_server.pushes() == []

    partial = cli(*_bump(cli, folder), "--expect-builds", "\n".join(SERVICES), "--partial", "true")

    assert partial.returncode == 0, partial.text
    assert "missing, not deployed: svc-28, svc-29" in partial.text
    assert (
        partial.outputs["missing"] == "svc-28\nsvc-29" and len(partial.outputs["deployed"].splitlines()) == 28
    )
    assert _pinned(mono, "svc-27").endswith(":2.0.0@" + DIGEST) and _pinned(mono, "svc-28").endswith(":0.0.0")
    assert "**Missing, not deployed** (no build metadata): svc-28, svc-29" in partial.summary


def test_a_bad_metadata_file_pushes_nothing(
    mono: Forge, cli: Cli, tmp_path: Path, git_server: GitServer
) -> None:
    folder = _builds(tmp_path, SERVICES)
    (folder / "svc-3.json").write_text('{"image": "ghcr.io/acme/svc-3"}')
    (folder / "svc-4.json").write_text("{")

    run = cli(*_bump(cli, folder))

    assert run.returncode == 1
    assert 'svc-3.json: no "version"' in run.text and "svc-4.json: not JSON" in run.text
    assert git_server.pushes() == []


def test_pr_mode_opens_one_pull_request_with_a_row_per_image(
    mono: Forge, cli: Cli, tmp_path: Path, github: FakeGitHub
) -> None:
    run = cli(*_bump(cli, _builds(tmp_path, SERVICES), "pr"))

    assert run.returncode == 0, run.text
    (pull,) = github.open_pulls(MONO)
    rows = re.findall(
        r"^\| `ghcr\.io/acme/(svc-\d+)` \| `0\.0\.0` → `2\.0\.0@sha256:d{12}` \| \[[0-9a-f]{7}\]",
        pull["body"],
        re.M,
    )
    assert sorted(rows) == sorted(SERVICES)
    assert f"[0123456]({cli.env['GITHUB_SERVER_URL']}/acme/shop-api/commit/{BUILT_ELSEWHERE})" in pull["body"]
    assert len(pull["title"]) <= 256 and pull["title"].startswith("Deploy svc-0+svc-1+")
    branch = pull["head_ref"]
    assert branch.startswith("gitops-ci/default/svc-0+svc-1+") and all(
        len(part) <= 100 for part in branch.split("/")
    )
    assert all(_pinned(mono, name, branch).endswith(f":2.0.0@{DIGEST}") for name in SERVICES)
    assert _pinned(mono, "svc-0") == "ghcr.io/acme/svc-0:0.0.0"  # main waits for the merge

    again = cli(*_bump(cli, _builds(tmp_path / "again", SERVICES), "pr"))
    assert again.returncode == 0 and again.outputs["pr-operation"] == "none", again.text
    assert len(github.settings(MONO).pulls) == 1
