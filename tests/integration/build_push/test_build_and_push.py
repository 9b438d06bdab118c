"""build-and-push against real parts: a docker-registry on loopback with htpasswd auth, buildah
building examples/app FROM a busybox base image the session built and pushed, skopeo to look."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from integration.build_push.conftest import APP, Rig
from testing.outputs import read_github_output
from testing.containers import skopeo_inspect
from testing.registry import free_port, running_registry

pytestmark = pytest.mark.integration

SHA = "0123456789abcdef0123456789abcdef01234567"
RULES = "type=ref,event=branch\ntype=sha\ntype=raw,value=stable"


def push_env(rig: Rig, tmp: Path, password: str | None = None, **extra: str) -> dict[str, str]:
    event = tmp / "event.json"
    event.write_text(json.dumps({"repository": {"default_branch": "main", "license": {"spdx_id": "MIT"}}}))
    return rig.environ(
        INPUT_PASSWORD=rig.registry.password if password is None else password,
        INPUT_USERNAME=rig.registry.username,
        INPUT_BUILDER="buildah",
        GITHUB_SHA=SHA,
        GITHUB_REF="refs/heads/main",
        GITHUB_EVENT_NAME="push",
        GITHUB_REPOSITORY="acme/myapp",
        GITHUB_EVENT_PATH=str(event),
        **extra,
    )


def app_args(rig: Rig, repo: str, *extra: str) -> list[str]:
    image = f"{rig.registry.host}/{repo}"
    return ["--image", image, "--context", str(APP), "--build-args", f"BASE_IMAGE={rig.base_image}", *extra]


def test_builds_pushes_every_tag_and_outputs_the_digest_the_registry_holds(rig: Rig, tmp_path: Path) -> None:
    run = rig.run(app_args(rig, "acme/myapp", "--tags", RULES), push_env(rig, tmp_path), tmp_path)
    assert run.code == 0, run.all_text
    out = read_github_output(run.outputs)
    image = f"{rig.registry.host}/acme/myapp"
    expected_tags = ["main", "stable", "sha-0123456", "latest"]
    assert out["tags"].splitlines() == [f"{image}:{tag}" for tag in expected_tags]
    for tag in expected_tags:
        assert rig.registry.digest("acme/myapp", tag) == out["digest"]
    assert out["digest"].startswith("sha256:") and len(out["digest"]) == 71
    assert out["image-ref"] == f"{image}@{out['digest']}"
    assert (out["image"], out["version"], out["pushed"]) == (image, "main", "true")
    labels = json.loads(skopeo_inspect(f"{image}:sha-0123456", rig.registry, rig.env))["Labels"]
    assert labels["org.opencontainers.image.revision"] == SHA
    assert labels["org.opencontainers.image.source"] == "https://github.com/acme/myapp"
    assert labels["org.opencontainers.image.version"] == "main"
    assert labels["org.opencontainers.image.title"] == "myapp"
    assert labels["org.opencontainers.image.licenses"] == "MIT"
    assert "org.opencontainers.image.created" in labels
    assert json.loads(out["metadata"])["digest"] == out["digest"]
    assert "| Digest | `" + out["digest"] in run.summary and "| Builder | buildah |" in run.summary
    assert rig.registry.password not in run.all_text
    # One upload: the first tag is pushed, the others are added to its manifest in the registry.
    assert run.all_text.count("buildah push ") == 1, run.all_text
    for tag in expected_tags[1:]:
        assert (
            f"{image}:{tag}: tagged in the registry (the manifest just pushed, {out['digest']})"
            in run.all_text
        )


def test_push_false_builds_pushes_nothing_and_says_the_digest_is_unavailable(
    rig: Rig, tmp_path: Path
) -> None:
    run = rig.run(app_args(rig, "acme/local-only", "--push", "false"), push_env(rig, tmp_path), tmp_path)
    assert run.code == 0, run.all_text
    out = read_github_output(run.outputs)
    assert out["digest"].startswith("unavailable: push is false")
    assert out["image-ref"].startswith("unavailable:") and out["pushed"] == "false"
    assert rig.registry.tags("acme/local-only") == []


def test_wrong_password_is_a_clear_error_pushes_nothing_and_never_shows_the_password(
    rig: Rig, tmp_path: Path
) -> None:
    wrong = "Wr0ng-but-Secret-pw"
    run = rig.run(app_args(rig, "acme/denied"), push_env(rig, tmp_path, password=wrong), tmp_path)
    assert run.code == 1
    assert f"::error::login to {rig.registry.host} as 'ci' failed" in run.stdout
    assert "check the username and password" in run.stdout
    assert rig.registry.tags("acme/denied") == []
    assert wrong not in run.all_text


def test_a_registry_that_is_down_is_a_clear_error(rig: Rig, tmp_path: Path) -> None:
    down = f"127.0.0.1:{free_port()}"
    args = [
        "--image",
        f"{down}/acme/app",
        "--context",
        str(APP),
        "--build-args",
        f"BASE_IMAGE={rig.base_image}",
    ]
    run = rig.run(args, push_env(rig, tmp_path), tmp_path)
    assert run.code == 1
    assert f"::error::registry {down} is not reachable" in run.stdout
    assert "that the registry is running" in run.stdout


def test_a_failing_dockerfile_step_is_reported_with_its_log_tail(rig: Rig, tmp_path: Path) -> None:
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "Dockerfile").write_text(
        f"FROM {rig.base_image}\nRUN echo fine\nRUN echo 'tests: 3 failed' && exit 3\nRUN echo never\n"
    )
    args = ["--image", f"{rig.registry.host}/acme/broken", "--context", str(context)]
    run = rig.run(args, push_env(rig, tmp_path), tmp_path)
    assert run.code == 1
    (error,) = [line for line in run.stdout.splitlines() if line.startswith("::error::")]
    assert error.startswith(
        "::error::the image build failed (exit code 3) at step: RUN echo 'tests: 3 failed'"
    )
    assert "tests: 3 failed" in error.split("%0A", 1)[1]
    assert rig.registry.tags("acme/broken") == []


def test_credential_build_args_and_secrets_never_reach_the_image(rig: Rig, tmp_path: Path) -> None:
    arg_value, secret_value = "arg-Val-7f3c9e1d", "secret-Val-2b8a4d6e"
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "Dockerfile").write_text(
        f"FROM {rig.base_image}\nARG API_TOKEN\nARG GREETING\n"
        "RUN --mount=type=secret,id=API_TOKEN --mount=type=secret,id=NPM_TOKEN "
        "test -s /run/secrets/API_TOKEN && test -s /run/secrets/NPM_TOKEN && echo $GREETING > /greeting\n"
    )
    image = f"{rig.registry.host}/acme/secrets"
    args = ["--image", image, "--context", str(context), "--secrets", "NPM_TOKEN=env:NPM_TOKEN"]
    args += ["--build-args", f"API_TOKEN={arg_value}\nGREETING=hello"]
    run = rig.run(args, push_env(rig, tmp_path, NPM_TOKEN=secret_value), tmp_path)
    assert run.code == 0, run.all_text
    assert "build arg API_TOKEN looks like a credential" in run.stdout
    ref = f"{image}:sha-0123456"
    config = skopeo_inspect(ref, rig.registry, rig.env, config=True)
    assert "GREETING=hello" in config  # build args do land in the history: that is why credentials must not
    layers = tmp_path / "layers"
    creds = f"{rig.registry.username}:{rig.registry.password}"
    subprocess.run(
        [
            "skopeo",
            "copy",
            "--src-tls-verify=false",
            "--src-creds",
            creds,
            f"docker://{ref}",
            f"dir:{layers}",
        ],
        check=True,
        capture_output=True,
    )
    blobs = b"".join(path.read_bytes() for path in layers.iterdir())
    for value in (arg_value, secret_value):
        assert value not in config
        assert value.encode() not in blobs
        assert value not in run.all_text


def scratch_context(tmp: Path) -> Path:
    """A context that pulls nothing (FROM scratch), so it builds without any registry login."""
    context = tmp / "scratch-ctx"
    context.mkdir()
    (context / "hello.txt").write_text("hello\n", encoding="utf-8")
    (context / "Dockerfile").write_text("FROM scratch\nCOPY hello.txt /hello.txt\n", encoding="utf-8")
    return context


def anonymous_env(rig: Rig, tmp: Path) -> dict[str, str]:
    """push_env without username and password: no registry login at all."""
    env = push_env(rig, tmp)
    del env["INPUT_USERNAME"], env["INPUT_PASSWORD"]
    return env


def test_push_false_without_any_login_builds(rig: Rig, tmp_path: Path) -> None:
    args = ["--image", f"{rig.registry.host}/acme/no-login", "--context", str(scratch_context(tmp_path))]
    run = rig.run([*args, "--push", "false"], anonymous_env(rig, tmp_path), tmp_path)
    assert run.code == 0, run.all_text
    assert "--authfile" not in run.all_text  # no login, so no auth file to name
    assert read_github_output(run.outputs)["pushed"] == "false"


def test_a_push_to_a_registry_without_auth_needs_no_login(rig: Rig, tmp_path: Path) -> None:
    with running_registry(tmp_path / "open", username="") as open_registry:
        image = f"{open_registry.host}/acme/open"
        args = ["--image", image, "--context", str(scratch_context(tmp_path))]
        run = rig.run(args, anonymous_env(rig, tmp_path), tmp_path)
        assert run.code == 0, run.all_text
        out = read_github_output(run.outputs)
        assert open_registry.digest("acme/open", "sha-0123456") == out["digest"]
        assert out["image-ref"] == f"{image}@{out['digest']}"
        assert "--authfile" not in run.all_text


def test_a_release_tag_is_latest_only_when_the_checkout_has_no_higher_release(
    rig: Rig, tmp_path: Path
) -> None:
    context = scratch_context(tmp_path)
    git = ["git", "-C", str(context), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    shas = {}
    subprocess.run(["git", "init", "-q", str(context)], check=True)
    for version in ("v1.0.0", "v2.0.0"):
        (context / "hello.txt").write_text(f"{version}\n", encoding="utf-8")
        subprocess.run([*git, "add", "-A"], check=True)
        subprocess.run([*git, "commit", "-q", "-m", version], check=True)
        subprocess.run([*git, "tag", version], check=True)
        shas[version] = subprocess.run(
            [*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True
        )
    for version, latest in (("v1.0.0", False), ("v2.0.0", True)):
        run_dir = tmp_path / version
        run_dir.mkdir()
        env = anonymous_env(rig, run_dir)
        env.update(GITHUB_REF=f"refs/tags/{version}", GITHUB_SHA=shas[version].stdout.strip())
        args = ["--image", f"{rig.registry.host}/acme/release", "--context", str(context), "--push", "false"]
        run = rig.run([*args, "--tags", "type=semver,pattern={{version}}"], env, run_dir)
        assert run.code == 0, run.all_text
        tags = [ref.rpartition(":")[2] for ref in read_github_output(run.outputs)["tags"].splitlines()]
        assert tags == ([version[1:], "latest"] if latest else [version[1:]])
