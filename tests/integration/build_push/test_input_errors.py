"""Mistakes in the inputs get their own message and fix, before buildah runs — not the build
failure hint "an unknown step … fix that step in the Dockerfile" (issue 18, point 6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from integration.build_push.conftest import APP, Rig
from integration.build_push.test_build_and_push import push_env

pytestmark = pytest.mark.integration


def only_error(stdout: str) -> str:
    (error,) = [line for line in stdout.splitlines() if line.startswith("::error::")]
    return error.replace("%0A", "\n")


def only_error_of(rig: Rig, tmp_path: Path, *args: str) -> str:
    """The one ::error:: of a run that must be refused before buildah runs."""
    base = ["--context", str(APP), "--build-args", f"BASE_IMAGE={rig.base_image}"]
    run = rig.run([*base, *args], push_env(rig, tmp_path), tmp_path)
    assert run.code == 1, run.all_text
    assert "buildah build" not in run.all_text  # refused before the builder ran
    assert "unknown step" not in run.all_text and "fix that step in the Dockerfile" not in run.all_text
    return only_error(run.stdout)


def run_case(rig: Rig, tmp_path: Path, repo: str, *args: str) -> str:
    error = only_error_of(rig, tmp_path, "--image", f"{rig.registry.host}/{repo}", *args)
    assert rig.registry.tags(repo) == []
    return error


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("acme/my app", "the path component 'my app' is not allowed"),
        ("acme/-app", "the path component '-app' is not allowed"),
        ("acme//app", "the path component '' is not allowed"),
    ],
)
def test_an_invalid_image_name_says_which_part_is_wrong(
    rig: Rig, tmp_path: Path, name: str, why: str
) -> None:
    image = f"{rig.registry.host}/{name}"
    error = only_error_of(rig, tmp_path, "--image", image)
    assert error.startswith(f"::error::image {image!r} is not a valid repository name")
    assert why in error
    assert "Fix: write REGISTRY/OWNER/NAME without a tag, e.g. `ghcr.io/acme/shop-api`" in error


def test_a_missing_context_directory_names_the_context_input(rig: Rig, tmp_path: Path) -> None:
    missing = tmp_path / "services" / "api"
    error = run_case(rig, tmp_path, "acme/no-context", "--context", str(missing))
    assert error.startswith(f"::error::the build context {missing} is not a directory (it does not exist)")
    assert "Fix: set `context:` to a directory of the checkout" in error


def test_a_missing_dockerfile_names_the_file_input_and_a_containerfile_found(
    rig: Rig, tmp_path: Path
) -> None:
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "Containerfile").write_text(f"FROM {rig.base_image}\n", encoding="utf-8")
    error = run_case(rig, tmp_path, "acme/no-dockerfile", "--context", str(context))
    assert error.startswith(f"::error::the Dockerfile {context / 'Dockerfile'} does not exist")
    assert "Fix: the context has Containerfile: set `file: Containerfile`" in error


def test_a_dockerfile_given_by_a_wrong_path_says_how_to_set_it(rig: Rig, tmp_path: Path) -> None:
    error = run_case(rig, tmp_path, "acme/wrong-file", "--file", "docker/Dockerfile.prod")
    assert error.startswith(f"::error::the Dockerfile {APP / 'docker' / 'Dockerfile.prod'} does not exist")
    assert "Fix: the context has Dockerfile: set `file: Dockerfile`" in error


def test_a_missing_secret_file_names_the_secret(rig: Rig, tmp_path: Path) -> None:
    missing = tmp_path / "npmrc"
    error = run_case(rig, tmp_path, "acme/no-secret", "--secrets", f"npmrc=file:{missing}")
    assert error.startswith(f"::error::the file of build secret 'npmrc' does not exist: {missing}")
    assert "Fix: create the file in an earlier step, or point `secrets:` at it" in error
