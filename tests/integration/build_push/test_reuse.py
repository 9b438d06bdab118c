"""An unchanged commit is not built again: the registry's image with the same content key gets
this run's tags (issue 12, point 5). Real docker-registry, real buildah."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from integration.build_push.conftest import APP, Rig, Run
from integration.build_push.test_build_and_push import push_env
from testing.containers import skopeo_inspect
from testing.outputs import read_github_output

pytestmark = pytest.mark.integration

RULES = "type=ref,event=branch\ntype=sha"


def app_copy(tmp_path: Path) -> Path:
    context = tmp_path / "app"
    shutil.copytree(APP, context)
    return context


def build(
    rig: Rig, tmp_path: Path, repo: str, context: Path, *extra: str, rules: str = RULES, **env: str
) -> Run:
    run_dir = tmp_path / f"run-{len(list(tmp_path.glob('run-*')))}"
    run_dir.mkdir()
    args = ["--image", f"{rig.registry.host}/{repo}", "--context", str(context), "--tags", rules]
    args += ["--build-args", f"BASE_IMAGE={rig.base_image}", *extra]
    run = rig.run(args, push_env(rig, run_dir, **env), run_dir)
    assert run.code == 0, run.all_text
    return run


def builder_processes(run: Run) -> int:
    """The buildah commands the run started, as its log shows every command it runs."""
    return sum(1 for line in run.all_text.splitlines() if line.startswith("$ buildah"))


def test_an_unchanged_commit_is_not_built_again_and_outputs_the_same_digest(rig: Rig, tmp_path: Path) -> None:
    context = app_copy(tmp_path)
    first = build(rig, tmp_path, "acme/reuse", context)
    out1 = read_github_output(first.outputs)
    assert out1["reused"] == "false" and builder_processes(first) == 2  # build + one push
    image = f"{rig.registry.host}/acme/reuse"
    labels = json.loads(skopeo_inspect(f"{image}:sha-0123456", rig.registry, rig.env))["Labels"]
    assert labels["dev.gitops-ci.content-key"] == out1["content-key"]
    assert out1["content-key"].startswith("sha256:") and len(out1["content-key"]) == 71

    second = build(rig, tmp_path, "acme/reuse", context, rules=RULES + "\ntype=raw,value=again")
    out2 = read_github_output(second.outputs)
    assert builder_processes(second) == 0, second.all_text
    assert out2["reused"] == "true"
    assert (out2["digest"], out2["content-key"]) == (out1["digest"], out1["content-key"])
    assert out2["image-ref"] == f"{image}@{out1['digest']}"
    assert out2["tags"].splitlines() == [
        f"{image}:{tag}" for tag in ("main", "again", "sha-0123456", "latest")
    ]
    for tag in ("main", "sha-0123456", "again", "latest"):
        assert rig.registry.digest("acme/reuse", tag) == out1["digest"]
    assert f"{image}:again: tagged in the registry (the reused image, {out1['digest']})" in second.all_text
    assert (
        f"reused {image}@{out1['digest']}: the registry already holds an image built from this commit and "
        f"context (content key {out1['content-key']}, found as {image}:main); nothing was built"
    ) in second.all_text
    assert "| Builder | none: the registry already held an image" in second.summary
    assert json.loads(out2["metadata"])["reused"] is True
    created = next(line for line in out1["labels"].splitlines() if ".created=" in line)
    assert out2["labels"] == out1["labels"] and created in out2["labels"]  # the image's own values
    assert rig.registry.password not in second.all_text


def test_a_reused_image_starts_no_process_to_ask_which_builder_works(rig: Rig, tmp_path: Path) -> None:
    # `builder: auto` asks a Docker engine first (`docker version`); here a docker that records
    # each call and answers that no engine runs, so buildah builds.
    bin_dir, calls = tmp_path / "bin", tmp_path / "docker-calls"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(f'#!/bin/sh\necho "$*" >> {calls}\nexit 1\n', encoding="utf-8")
    (bin_dir / "docker").chmod(0o755)
    context, path = app_copy(tmp_path), f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
    first = build(rig, tmp_path, "acme/auto", context, "--builder", "auto", PATH=path)
    assert (
        builder_processes(first) == 2
        and json.loads(read_github_output(first.outputs)["metadata"])["builder"] == "buildah"
    )
    assert "version --format {{.Server.Version}}" in calls.read_text(encoding="utf-8")
    calls.unlink()
    second = build(rig, tmp_path, "acme/auto", context, "--builder", "auto", PATH=path)
    out = read_github_output(second.outputs)
    assert out["reused"] == "true" and builder_processes(second) == 0
    assert not calls.exists()  # no docker process at all
    assert json.loads(out["metadata"])["builder"] == "none"


def test_a_changed_file_in_the_context_is_built_again(rig: Rig, tmp_path: Path) -> None:
    context = app_copy(tmp_path)
    first = read_github_output(build(rig, tmp_path, "acme/changed", context).outputs)
    (context / "app.py").write_text((context / "app.py").read_text() + "\n# changed\n")
    run = build(rig, tmp_path, "acme/changed", context)
    out = read_github_output(run.outputs)
    assert builder_processes(run) == 2 and out["reused"] == "false"
    assert out["content-key"] != first["content-key"] and out["digest"] != first["digest"]
    assert "building: no tag of" in run.all_text
    assert rig.registry.digest("acme/changed", "sha-0123456") == out["digest"]


def test_a_file_the_dockerignore_leaves_out_does_not_cause_a_build(rig: Rig, tmp_path: Path) -> None:
    context = app_copy(tmp_path)
    first = read_github_output(build(rig, tmp_path, "acme/ignored", context).outputs)
    (context / "tests" / "test_new.py").write_text("def test_x() -> None:\n    pass\n")  # `tests/` is ignored
    run = build(rig, tmp_path, "acme/ignored", context)
    out = read_github_output(run.outputs)
    assert builder_processes(run) == 0 and out["reused"] == "true"
    assert out["digest"] == first["digest"]


@pytest.mark.parametrize(("flag", "why"), [("--no-cache", "no-cache is true"), ("--reuse", "reuse is false")])
def test_no_cache_or_reuse_false_always_builds(rig: Rig, tmp_path: Path, flag: str, why: str) -> None:
    context = app_copy(tmp_path)
    repo = f"acme/fresh-{flag.strip('-')}"
    first = read_github_output(build(rig, tmp_path, repo, context).outputs)
    value = "true" if flag == "--no-cache" else "false"
    run = build(rig, tmp_path, repo, context, flag, value)
    out = read_github_output(run.outputs)
    assert builder_processes(run) == 2 and out["reused"] == "false"
    assert f"building: {why}" in run.all_text
    assert out["content-key"] == first["content-key"]


def test_a_multi_platform_image_is_found_through_its_index(rig: Rig, tmp_path: Path) -> None:
    context = tmp_path / "scratch"
    context.mkdir()
    (context / "Dockerfile").write_text("FROM scratch\nCOPY hello /hello\n")
    (context / "hello").write_text("hello\n")
    platforms = ("--platforms", "linux/amd64,linux/arm64")
    first = read_github_output(build(rig, tmp_path, "acme/multi", context, *platforms).outputs)
    index = rig.registry.digest("acme/multi", "sha-0123456")
    assert first["reused"] == "false" and first["digest"] == index
    run = build(rig, tmp_path, "acme/multi", context, *platforms)
    out = read_github_output(run.outputs)
    assert builder_processes(run) == 0 and out["reused"] == "true"
    assert out["digest"] == index
    other = build(rig, tmp_path, "acme/multi", context, "--platforms", "linux/amd64")
    assert read_github_output(other.outputs)["reused"] == "false"  # the platforms are in the key
