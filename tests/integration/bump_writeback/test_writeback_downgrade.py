"""The downgrade guard: an older build never replaces a newer one (issue 18, point 9).

Each run's source commit is a real commit of a real app checkout (GITHUB_WORKSPACE), whose
committer time the bump records as `Source-Time:`; the infra repo is served over smart HTTP.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from testing.bump_cli import DEPLOYMENT, INFRA, SHOP, Cli, Run
from testing.forge import Forge, git
from testing.git_http import GitServer
from testing.github_fake import FakeGitHub

BUMP = ("bump-manifest", "--mode", "commit", "--infra-repo", INFRA, "--image", SHOP, "--environment", "prod")
PROD = "envs/prod/shop-api.yaml"
# Committer times t1 < ... < t10, written with an offset (git's %cI keeps it; trailers are UTC).
TIMES = [f"2026-11-02T10:{minute:02d}:00+01:00" for minute in range(1, 11)]
UTC = [f"2026-11-02T09:{minute:02d}:00Z" for minute in range(1, 11)]


@pytest.fixture
def app(tmp_path: Path) -> tuple[Path, list[str]]:
    """An app checkout with ten commits, committed at TIMES. Their author dates run backwards,
    so a guard that read the author date instead of the committer date would fail these tests."""
    work = tmp_path / "app"
    git("init", "--quiet", "--initial-branch=main", str(work))
    shas = []
    for n, when in enumerate(TIMES, start=1):
        (work / "VERSION").write_text(f"2.0.{n}\n")
        git("add", "VERSION", cwd=work)
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": "dev",
            "GIT_AUTHOR_EMAIL": "dev@acme.test",
            "GIT_COMMITTER_NAME": "dev",
            "GIT_COMMITTER_EMAIL": "dev@acme.test",
            "GIT_AUTHOR_DATE": f"2026-10-{30 - n:02d}T12:00:00+00:00",
            "GIT_COMMITTER_DATE": when,
        }
        subprocess.run(["git", "commit", "--quiet", "-m", f"v2.0.{n}"], cwd=work, env=env, check=True)
        shas.append(git("rev-parse", "HEAD", cwd=work).strip())
    return work, shas


def _build(app: tuple[Path, list[str]], n: int) -> dict[str, str]:
    """The runner context of the pipeline that built 2.0.n from the app's n-th commit."""
    work, shas = app
    return {"GITHUB_WORKSPACE": str(work), "GITHUB_SHA": shas[n - 1], "GITHUB_RUN_ID": str(5000 + n)}


def _bump(cli: Cli, app: tuple[Path, list[str]], n: int, *extra: str) -> Run:
    return cli(*BUMP, "--tag", f"2.0.{n}", *extra, env=_build(app, n))


def _pinned(infra: Forge) -> str:
    line = next(x for x in infra.read(INFRA, "main", PROD).splitlines() if "image:" in x)
    return line.split("image:", 1)[1].split("#", 1)[0].strip()


def _stdout(run: Run) -> list[str]:
    """What the command printed, without the workflow commands (masks, notices) around it."""
    return [line for line in run.stdout.splitlines() if not line.startswith("::")]


def _json(run: Run) -> Any:
    return json.loads("\n".join(_stdout(run)))


def _source_times(infra: Forge) -> list[str]:
    """Source-Time of every prod bump of the shop image, oldest first."""
    fmt = "%(trailers:key=Source-Time,valueonly,separator=)|%(trailers:key=Environment,valueonly,separator=)"
    rows = [line.split("|") for line in reversed(infra.log(INFRA, "main", fmt))]
    return [when for when, env in rows if when and env == "prod"]


def test_ten_concurrent_bumps_of_one_image_end_at_the_newest_source(
    infra: Forge, cli: Cli, app: tuple[Path, list[str]]
) -> None:
    order = list(range(1, 11))
    seed = random.randrange(1 << 30)
    random.Random(seed).shuffle(order)
    if order[-1] == 10:  # started last, the newest would win even without the guard
        order.insert(0, order.pop())
    print(f"\nstart order (seed {seed}): {order}")
    start = time.monotonic()
    procs = []
    for n in order:
        env = cli.prepare({**_build(app, n), "INPUT_PUSH_ATTEMPTS": "60"})
        args = cli.command([*BUMP, "--tag", f"2.0.{n}"])
        procs.append(
            (env, subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        )
    runs = [cli.finish(env, p.wait(timeout=170), *p.communicate()) for env, p in procs]
    elapsed = time.monotonic() - start

    assert [r.returncode for r in runs] == [0] * 10, "\n".join(r.text for r in runs if r.returncode)
    assert _pinned(infra) == f"{SHOP}:2.0.10"
    landed = _source_times(infra)
    assert landed == sorted(landed) and len(set(landed)) == len(landed), landed
    assert landed[-1] == UTC[9]
    held = [r for r in runs if r.outputs["held"]]
    assert all(r.outputs["changed"] == "false" and r.outputs["held"].startswith(f"{SHOP}:2.0.") for r in held)
    assert len(landed) + len(held) == 10
    print(f"10 concurrent bumps: {elapsed:.1f} s, {len(landed)} landed in order, {len(held)} held")


def test_an_older_build_after_a_newer_one_is_held_and_pushes_nothing(
    infra: Forge, cli: Cli, app: tuple[Path, list[str]], git_server: GitServer
) -> None:
    newer = _bump(cli, app, 9)
    head = infra.branch_sha(INFRA, "main")
    pushes = len(git_server.pushes())

    older = _bump(cli, app, 2)

    assert newer.returncode == 0 and newer.outputs["changed"] == "true", newer.text
    assert older.returncode == 0, older.text
    assert older.outputs["changed"] == "false" and older.outputs["commit-sha"] == head
    assert older.outputs["held"] == f"{SHOP}:2.0.2"
    assert infra.branch_sha(INFRA, "main") == head and len(git_server.pushes()) == pushes
    assert _pinned(infra) == f"{SHOP}:2.0.9"
    _, shas = app
    notice = next(line for line in older.stdout.splitlines() if line.startswith("::notice::"))
    for part in (
        f"{SHOP}:2.0.2 not pinned",
        f"infra (prod) already runs {SHOP}:2.0.9 built from commit {shas[8][:12]} at {UTC[8]}",
        f"newer than this build's commit {shas[1][:12]} at {UTC[1]}",
        "pass allow-downgrade: true to replace it",
    ):
        assert part in notice
    assert "Nothing pinned: the infra repo already runs a newer build" in older.summary
    assert "pass allow-downgrade: true" in older.summary


def test_allow_downgrade_replaces_a_newer_build(infra: Forge, cli: Cli, app: tuple[Path, list[str]]) -> None:
    assert _bump(cli, app, 9).returncode == 0

    run = _bump(cli, app, 2, "--allow-downgrade")
    by_env = cli(*BUMP, "--tag", "2.0.1", env={**_build(app, 1), "INPUT_ALLOW_DOWNGRADE": "true"})

    assert run.returncode == 0, run.text
    assert run.outputs["changed"] == "true" and run.outputs["held"] == ""
    assert by_env.returncode == 0 and by_env.outputs["changed"] == "true", by_env.text
    assert _pinned(infra) == f"{SHOP}:2.0.1"


def test_a_racing_push_of_a_newer_build_is_seen_on_the_retry(
    infra: Forge, cli: Cli, app: tuple[Path, list[str]]
) -> None:
    _, shas = app
    newer = infra.read(INFRA, "main", PROD).replace(":1.0.0", ":2.0.9")
    trailers = f"Image: {SHOP}:2.0.9\nSource-Commit: {shas[8]}\nSource-Time: {UTC[8]}\nEnvironment: prod"
    infra.before_next_push(
        lambda _name: infra.commit(INFRA, "main", {PROD: newer}, f"Deploy shop-api:2.0.9\n\n{trailers}")
    )

    run = _bump(cli, app, 5, "--json")

    assert run.returncode == 0, run.text
    doc = _json(run)
    assert doc["changed"] is False and doc["attempts"] == 2
    assert [h["image"] for h in doc["held"]] == [f"{SHOP}:2.0.5"]
    assert _pinned(infra) == f"{SHOP}:2.0.9"


def test_other_images_of_a_multi_image_bump_still_go_through(
    infra: Forge, cli: Cli, app: tuple[Path, list[str]]
) -> None:
    svc = "ghcr.io/acme/svc-1"
    infra.commit(
        INFRA,
        "main",
        {"envs/prod/svc-1.yaml": DEPLOYMENT.format(name="svc-1", image=f"{svc}:0.0.0")},
        "svc-1",
    )
    assert _bump(cli, app, 9).returncode == 0

    run = _bump(cli, app, 3, "--set", f"{svc}=1.3.0")

    assert run.returncode == 0, run.text
    assert run.outputs["changed"] == "true" and run.outputs["held"] == f"{SHOP}:2.0.3"
    assert f"image: {svc}:1.3.0" in infra.read(INFRA, "main", "envs/prod/svc-1.yaml")
    assert _pinned(infra) == f"{SHOP}:2.0.9"
    body = infra.message(INFRA, "main").splitlines()
    assert body[0] == "Deploy svc-1:1.3.0 to prod"
    assert f"Image: {svc}:1.3.0" in body and not any(SHOP in line for line in body)


def test_unknown_source_time_does_not_block_and_says_so(
    infra: Forge, cli: Cli, app: tuple[Path, list[str]]
) -> None:
    assert _bump(cli, app, 9).returncode == 0

    run = cli(*BUMP, "--tag", "2.0.2")  # no app checkout: the source commit's time is unknown

    assert run.returncode == 0, run.text
    assert run.outputs["changed"] == "true"
    assert "::notice::the source commit's time is unknown" in run.stdout
    assert _pinned(infra) == f"{SHOP}:2.0.2"
    assert not any(line.startswith("Source-Time:") for line in infra.message(INFRA, "main").splitlines())


def test_source_time_from_the_option_and_from_the_push_payload(
    infra: Forge, cli: Cli, app: tuple[Path, list[str]], tmp_path: Path
) -> None:
    _, shas = app
    assert _bump(cli, app, 9).returncode == 0
    payload = tmp_path / "event.json"
    payload.write_text(json.dumps({"head_commit": {"id": shas[1], "timestamp": "2026-11-02T04:02:00-05:00"}}))

    by_payload = cli(*BUMP, "--tag", "2.0.2", env={"GITHUB_SHA": shas[1], "GITHUB_EVENT_PATH": str(payload)})
    by_option = cli(*BUMP, "--tag", "2.0.3", "--source-time", "2026-11-02T09:03:00Z")
    later = cli(*BUMP, "--tag", "3.0.0", "--source-time", "2026-11-02T11:00:00+01:00")
    bad = cli(*BUMP, "--tag", "3.0.1", "--source-time", "yesterday")

    assert by_payload.returncode == 0 and by_payload.outputs["held"] == f"{SHOP}:2.0.2", by_payload.text
    assert by_option.returncode == 0 and by_option.outputs["held"] == f"{SHOP}:2.0.3", by_option.text
    assert later.returncode == 0 and later.outputs["changed"] == "true", later.text
    assert "Source-Time: 2026-11-02T10:00:00Z" in infra.message(INFRA, "main").splitlines()
    assert bad.returncode == 1 and "is not an ISO 8601 time with a zone" in bad.text
    assert "Traceback" not in bad.text


def test_rollback_replaces_a_newer_build_and_records_the_restored_source(
    infra: Forge, cli: Cli, app: tuple[Path, list[str]]
) -> None:
    _, shas = app
    for n in (5, 9):
        assert _bump(cli, app, n).returncode == 0
    rolling_from = infra.branch_sha(INFRA, "main")

    rolled = cli(
        "rollback", "--infra-repo", INFRA, "--image", SHOP, "--environment", "prod", env=_build(app, 10)
    )
    older = _bump(cli, app, 3)
    newer = _bump(cli, app, 7)

    assert rolled.returncode == 0, rolled.text
    assert rolled.outputs["changed"] == "true"
    body = infra.message(INFRA, rolled.outputs["commit-sha"]).splitlines()
    assert f"Rollback-Of: {rolling_from}" in body
    assert f"Source-Commit: {shas[4]}" in body and f"Source-Time: {UTC[4]}" in body
    assert "Workflow-Run: " + cli.env["GITHUB_SERVER_URL"] + "/acme/shop-api/actions/runs/5010" in body
    # After the rollback the infra repo runs the 2.0.5 build: older ones are held, newer ones land.
    assert older.returncode == 0 and older.outputs["held"] == f"{SHOP}:2.0.3", older.text
    assert newer.returncode == 0 and newer.outputs["changed"] == "true", newer.text
    assert _pinned(infra) == f"{SHOP}:2.0.7"


def test_trailers_and_history_show_the_source_time(
    infra: Forge, cli: Cli, app: tuple[Path, list[str]], tmp_path: Path
) -> None:
    _, shas = app
    run = _bump(cli, app, 4)
    clone = tmp_path / "clone"
    git("clone", "--quiet", str(infra.bare(INFRA)), str(clone))

    listed = cli("history", "--infra-dir", str(clone), "--image", SHOP, "--json")
    table = cli("history", "--infra-dir", str(clone), "--image", SHOP)

    assert run.returncode == 0, run.text
    body = infra.message(INFRA, "main").splitlines()
    assert f"Source-Commit: {shas[3]}" in body and f"Source-Time: {UTC[3]}" in body
    assert listed.returncode == 0, listed.text
    rows = _json(listed)["deployments"]
    assert (rows[0]["tag"], rows[0]["source_commit"], rows[0]["source_time"]) == ("2.0.4", shas[3], UTC[3])
    assert table.returncode == 0, table.text
    header, first = _stdout(table)[:2]
    assert "SOURCE TIME" in header and UTC[3] in first


def test_pr_mode_opens_no_pull_request_for_an_older_build(
    infra: Forge, cli: Cli, app: tuple[Path, list[str]], github: FakeGitHub
) -> None:
    assert _bump(cli, app, 9).returncode == 0

    run = cli(*BUMP, "--tag", "2.0.2", "--mode", "pr", env=_build(app, 2))

    assert run.returncode == 0, run.text
    assert run.outputs["changed"] == "false" and run.outputs["held"] == f"{SHOP}:2.0.2"
    assert run.outputs["pr-operation"] == "none" and github.open_pulls(INFRA) == []
    assert infra.branches(INFRA) == ["main"] and _pinned(infra) == f"{SHOP}:2.0.9"
