"""commit mode: one commit with trailers, idempotent, safe when pushes race."""

from __future__ import annotations

import subprocess
import time

from testing.bump_cli import INFRA, SHOP, SOURCE_SHA, Cli
from testing.forge import Forge
from testing.git_http import GitServer

BUMP = ("bump-manifest", "--mode", "commit", "--infra-repo", INFRA)


def test_commit_mode_makes_one_commit_with_trailers_and_a_second_run_none(infra: Forge, cli: Cli) -> None:
    before = infra.branch_sha(INFRA, "main")

    first = cli(*BUMP, "--image", SHOP, "--tag", "1.4.2", "--environment", "prod")
    second = cli(*BUMP, "--image", SHOP, "--tag", "1.4.2", "--environment", "prod")

    assert first.returncode == 0, first.text
    log = infra.log(INFRA, f"{before}..main")
    assert len(log) == 1
    head = infra.branch_sha(INFRA, "main")
    assert first.outputs["changed"] == "true" and first.outputs["commit-sha"] == head
    assert first.outputs["files"] == "envs/prod/shop-api.yaml"
    assert f"image: {SHOP}:1.4.2  # pinned by gitops-ci" in infra.read(
        INFRA, "main", "envs/prod/shop-api.yaml"
    )
    assert f"{SHOP}:1.0.0" in infra.read(INFRA, "main", "envs/staging/shop-api.yaml")
    body = infra.message(INFRA, "main")
    for trailer in (
        f"Image: {SHOP}:1.4.2",
        "Source-Repository: acme/shop-api",
        f"Source-Commit: {SOURCE_SHA}",
        f"Workflow-Run: {cli.env['GITHUB_SERVER_URL']}/acme/shop-api/actions/runs/4242",
        "Deployed-By: alice",
        "Environment: prod",
    ):
        assert trailer in body.splitlines()
    author = infra.log(INFRA, "main", "%an <%ae>|%cn <%ce>")[0]
    bot = "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"
    assert author == f"{bot}|{bot}"

    assert second.returncode == 0, second.text
    assert second.outputs["changed"] == "false"
    assert infra.branch_sha(INFRA, "main") == head


def test_signoff_and_message_template(infra: Forge, cli: Cli) -> None:
    run = cli(
        *BUMP,
        "--image",
        "ghcr.io/acme/svc-1",
        "--tag",
        "2.0.0",
        "--signoff",
        "--message-template",
        "deploy({image_name}): {tag} from {source_short}",
        "--author-name",
        "Deploy Bot",
        "--author-email",
        "deploy@acme.test",
    )

    assert run.returncode == 0, run.text
    body = infra.message(INFRA, "main")
    assert body.splitlines()[0] == "deploy(svc-1): 2.0.0 from 3f2a1bc"
    assert "Signed-off-by: Deploy Bot <deploy@acme.test>" in body.splitlines()


def test_dry_run_shows_the_diff_and_pushes_nothing(infra: Forge, cli: Cli, git_server: GitServer) -> None:
    before = infra.branch_sha(INFRA, "main")

    run = cli(*BUMP, "--image", SHOP, "--tag", "9.9.9", "--dry-run")

    assert run.returncode == 0, run.text
    assert f"+          image: {SHOP}:9.9.9" in run.stdout
    assert infra.branch_sha(INFRA, "main") == before
    assert git_server.pushes() == []


def test_a_push_rejected_mid_way_is_reapplied_on_the_new_head(infra: Forge, cli: Cli) -> None:
    infra.advance_on_next_push(INFRA, "main", {"apps/other/config.yaml": "racing: true\n"})

    run = cli(*BUMP, "--image", SHOP, "--tag", "1.5.0", "--json")

    assert run.returncode == 0, run.text
    assert '"attempts": 2' in run.stdout
    subjects = [line.split(" ", 1)[1] for line in infra.log(INFRA, "main")[:2]]
    assert subjects == ["Deploy shop-api:1.5.0", "a racing pipeline"]
    assert infra.read(INFRA, "main", "apps/other/config.yaml") == "racing: true\n"
    assert f"{SHOP}:1.5.0" in infra.read(INFRA, "main", "envs/prod/shop-api.yaml")


def test_when_the_racing_pipeline_already_pinned_the_target_it_is_a_no_op(infra: Forge, cli: Cli) -> None:
    pinned = infra.read(INFRA, "main", "envs/prod/shop-api.yaml").replace(":1.0.0", ":1.6.0")
    staged = infra.read(INFRA, "main", "envs/staging/shop-api.yaml").replace(":1.0.0", ":1.6.0")
    files = {"envs/prod/shop-api.yaml": pinned, "envs/staging/shop-api.yaml": staged}
    infra.advance_on_next_push(INFRA, "main", files)

    run = cli(*BUMP, "--image", SHOP, "--tag", "1.6.0")

    assert run.returncode == 0, run.text
    assert run.outputs["changed"] == "false"
    assert infra.log(INFRA, "main")[0].endswith("a racing pipeline")


def test_twenty_concurrent_bumps_lose_nothing_and_duplicate_nothing(infra: Forge, cli: Cli) -> None:
    before = infra.branch_sha(INFRA, "main")
    jobs = [("ghcr.io/acme/svc-%d" % i, f"1.{i}.0") for i in range(12)]
    jobs += [(SHOP, f"2.0.{n}") for n in range(8)]  # the same image, different tags
    start = time.monotonic()
    procs = []
    for image, tag in jobs:
        env = cli.prepare({"INPUT_PUSH_ATTEMPTS": "60"})
        args = cli.command([*BUMP, "--image", image, "--tag", tag])
        procs.append(
            (env, subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        )
    runs = [cli.finish(env, p.wait(timeout=170), *p.communicate()) for env, p in procs]
    elapsed = time.monotonic() - start
    print(f"\n20 concurrent bump-manifest --mode commit runs against one infra repo: {elapsed:.1f} s")

    assert [r.returncode for r in runs] == [0] * 20, "\n".join(r.text for r in runs if r.returncode)
    new = infra.log(INFRA, f"{before}..main", "%H %s")
    assert len(new) == 20 and len({line.split()[0] for line in new}) == 20
    for image, tag in jobs[:12]:
        name = image.rsplit("/", 1)[1]
        assert f"image: {image}:{tag}  #" in infra.read(INFRA, "main", f"apps/{name}/deployment.yaml")
        assert sum(line.endswith(f"Deploy {name}:{tag}") for line in new) == 1
    last_shop = next(line for line in new if "shop-api" in line).split()[-1].split(":")[1]
    assert f"{SHOP}:{last_shop}  #" in infra.read(INFRA, "main", "envs/prod/shop-api.yaml")
    assert sorted(r.outputs["commit-sha"] for r in runs) == sorted(line.split()[0] for line in new)


def test_run_context_not_utf8_is_committed_with_replacement_characters(infra: Forge, cli: Cli) -> None:
    # os.environ hands invalid UTF-8 over surrogate-escaped; subprocess encodes it back to bytes.
    env = {"GITHUB_ACTOR": "al\udcffice", "GITHUB_REPOSITORY": "acme/shop-\udcfeapi"}

    run = cli(*BUMP, "--image", SHOP, "--tag", "1.4.2", "--environment", "prod", env=env)

    assert run.returncode == 0, run.text
    assert infra.branch_sha(INFRA, "main") == run.outputs["commit-sha"]
    trailers = infra.message(INFRA, "main").splitlines()
    assert "Deployed-By: al\ufffdice" in trailers
    assert "Source-Repository: acme/shop-\ufffdapi" in trailers
