"""Builder command lines (docker buildx, podman, buildah) and `builder: auto` selection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_ci.engines.build_push.builders import load, require_installed, select
from gitops_ci.engines.build_push.spec import BuildSpec, Secret
from gitops_ci.engines.build_push.trust import BuilderTls
from gitops_ci.errors import UserError

VERIFIED = BuilderTls(True)
SPEC = BuildSpec(
    context="/src",
    file="/src/Dockerfile",
    refs=("ghcr.io/acme/app:1.2.3", "ghcr.io/acme/app:latest"),
    labels=(("org.opencontainers.image.revision", "abc"),),
    build_args=("BASE_IMAGE=python:3.12-alpine",),
    secrets=(Secret("NPM_TOKEN", "env", "NPM_TOKEN"), Secret("netrc", "file", "/home/u/.netrc")),
    target="runtime",
    pull=True,
)
COMMON = [
    "--label=org.opencontainers.image.revision=abc",
    "--build-arg=BASE_IMAGE=python:3.12-alpine",
    "--secret=id=NPM_TOKEN,env=NPM_TOKEN",
    "--secret=id=netrc,src=/home/u/.netrc",
    "--target",
    "runtime",
    "--pull",
]


def test_docker_buildx_builds_and_pushes_in_one_command() -> None:
    spec = BuildSpec(
        **{**SPEC.__dict__, "platforms": ("linux/amd64", "linux/arm64"), "cache_ref": "ghcr.io/acme/c"}
    )
    assert load("docker").build(spec, "", "/w") == [
        "docker", "buildx", "build", "--file", "/src/Dockerfile",
        "--tag=ghcr.io/acme/app:1.2.3", "--tag=ghcr.io/acme/app:latest",
        "--platform", "linux/amd64,linux/arm64",
        *COMMON,
        "--cache-from", "type=registry,ref=ghcr.io/acme/c",
        "--cache-to", "type=registry,ref=ghcr.io/acme/c,mode=max",
        "--push", "--metadata-file", "/w/buildx-metadata.json", "/src",
    ]  # fmt: skip
    assert load("docker").push(spec, spec.refs[0], "", "/w/d", VERIFIED) is None


def test_docker_without_push_loads_the_image() -> None:
    spec = BuildSpec(context="/src", file="/src/Dockerfile", refs=("r/a:1",), push=False)
    command = load("docker").build(spec, "", "/w")
    assert "--load" in command and "--push" not in command


def test_docker_reads_the_digest_from_the_metadata_file(tmp_path: Path) -> None:
    (tmp_path / "buildx-metadata.json").write_text(
        json.dumps({"containerimage.digest": "sha256:" + "a" * 64})
    )
    assert load("docker").digest(str(tmp_path), "") == "sha256:" + "a" * 64


def test_docker_login_reads_the_password_from_stdin() -> None:
    command = load("docker").login("ghcr.io", "octocat", "")
    assert command == ["docker", "login", "--username", "octocat", "--password-stdin", "ghcr.io"]


@pytest.mark.parametrize("name", ["podman", "buildah"])
def test_daemonless_build_and_push(name: str) -> None:
    builder = load(name)
    assert builder.build(SPEC, "/a/auth.json", "/w") == [
        name, "build", "--authfile", "/a/auth.json", "--file", "/src/Dockerfile",
        "--tag=ghcr.io/acme/app:1.2.3", "--tag=ghcr.io/acme/app:latest", *COMMON, "--layers", "/src",
    ]  # fmt: skip
    assert builder.push(SPEC, "ghcr.io/acme/app:latest", "/a/auth.json", "/w/d1", VERIFIED) == [
        name, "push", "--authfile", "/a/auth.json", "--tls-verify=true", "--digestfile", "/w/d1",
        "ghcr.io/acme/app:1.2.3", "docker://ghcr.io/acme/app:latest",
    ]  # fmt: skip
    assert builder.login("127.0.0.1:5000", "ci", "/a/auth.json") is None  # gitops-ci writes the entry
    assert builder.logout("ghcr.io", "/a/auth.json") is None  # the private auth file is deleted instead


@pytest.mark.parametrize("name", ["podman", "buildah", "docker"])
def test_no_login_names_no_auth_file(name: str) -> None:
    builder = load(name)
    spec = BuildSpec(context="/c", file="/c/F", refs=("r.io/a:1",))
    push = builder.push(spec, "r.io/a:1", "", "/w/d", VERIFIED) or []
    assert "--authfile" not in builder.build(spec, "", "/w") + push


def test_several_platforms_make_a_manifest_list() -> None:
    spec = BuildSpec(
        context="/c", file="/c/Dockerfile", refs=("r.io/a:1",), platforms=("linux/amd64", "linux/arm64")
    )
    build = load("buildah").build(spec, "/auth", "/w")
    assert build[6:10] == ["--platform", "linux/amd64,linux/arm64", "--manifest", "r.io/a:1"]
    assert load("buildah").push(spec, "r.io/a:1", "/auth", "/w/d", VERIFIED)[:4] == [
        "buildah",
        "manifest",
        "push",
        "--all",
    ]


CERT_DIR = "/etc/containers/certs.d/reg.lan:5000"


@pytest.mark.parametrize(
    ("tls", "flags"),
    [
        (BuilderTls(True), ["--tls-verify=true"]),
        (BuilderTls(True, CERT_DIR), ["--tls-verify=true", "--cert-dir", CERT_DIR]),
        (BuilderTls(False), ["--tls-verify=false"]),  # plain HTTP, or insecure-registries
    ],
)
@pytest.mark.parametrize("name", ["podman", "buildah"])
def test_the_push_says_what_tls_the_api_client_found(name: str, tls: BuilderTls, flags: list[str]) -> None:
    spec = BuildSpec(context="/c", file="/c/F", refs=("reg.lan:5000/a:1",))
    push = load(name).push(spec, "reg.lan:5000/a:1", "", "/d", tls)
    assert push == [
        name,
        "push",
        *flags,
        "--digestfile",
        "/d",
        "reg.lan:5000/a:1",
        "docker://reg.lan:5000/a:1",
    ]


class FakeMachine:
    """What a machine offers: tools on PATH, and whether a Docker engine answers."""

    def __init__(self, tools: set[str], engine: bool = False) -> None:
        self.tools = tools
        self.engine = engine
        self.asked: list[list[str]] = []  # the commands it was asked to run

    def which(self, tool: str) -> bool:
        return tool in self.tools

    def answers(self, args: list[str]) -> bool:
        self.asked.append(args)
        return args[0] in self.tools and (self.engine or args[1] != "version")


@pytest.mark.parametrize(
    ("machine", "chosen"),
    [
        (FakeMachine({"docker", "buildah", "podman"}, engine=True), "docker"),
        (FakeMachine({"docker", "buildah", "podman"}), "buildah"),  # a CLI with no engine behind it
        (FakeMachine({"docker", "podman"}), "podman"),
    ],
)
def test_auto_picks_docker_when_an_engine_answers_else_buildah_else_podman(
    machine: FakeMachine, chosen: str
) -> None:
    assert select("auto", machine).name == chosen


def test_auto_with_no_builder_says_what_to_install() -> None:
    with pytest.raises(UserError) as caught:
        select("auto", FakeMachine(set()))
    assert "apt-get install buildah" in caught.value.fix


def test_an_unusable_named_builder_is_a_clear_error() -> None:
    with pytest.raises(UserError) as caught:
        select("podman", FakeMachine({"buildah"}))
    assert "podman" in str(caught.value) and "apt-get install podman" in caught.value.fix


def test_a_builder_on_path_is_required_at_the_start_without_starting_any_process() -> None:
    docker_cli_only = FakeMachine({"docker"})  # no engine behind it: only a build would find out
    require_installed("auto", docker_cli_only)
    require_installed("docker", docker_cli_only)
    assert docker_cli_only.asked == []
    with pytest.raises(UserError, match="no container builder found"):
        select("auto", docker_cli_only)
    with pytest.raises(UserError) as caught:
        require_installed("auto", FakeMachine(set()))
    assert "apt-get install buildah" in caught.value.fix
    with pytest.raises(UserError) as caught:
        require_installed("podman", FakeMachine({"buildah", "docker"}))
    assert "'podman' is not usable" in str(caught.value) and "apt-get install podman" in caught.value.fix


def test_buildah_keeps_a_layer_cache_and_no_cache_still_bypasses_it() -> None:
    spec = BuildSpec(context="/c", file="/c/F", refs=("r.io/a:1",), no_cache=True, cache_ref="r.io/cache")
    assert load("buildah").build(spec, "/auth", "/w")[-7:] == [
        "--no-cache", "--layers", "--cache-from", "r.io/cache", "--cache-to", "r.io/cache", "/c",
    ]  # fmt: skip
