"""Registries over TLS on loopback (issue 12, point 3): a real docker-registry with htpasswd and a
certificate from a CA made in the test, pushed to by buildah. HTTPS is tried first; plain HTTP is
only the fallback for loopback and insecure-registries; the CA comes from certs.d or a CA bundle,
and buildah is told the same (--tls-verify, --cert-dir, SSL_CERT_FILE) as the API client found."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterator

import pytest

from integration.build_push.conftest import Rig, Run
from integration.build_push.test_build_and_push import push_env, scratch_context
from testing.outputs import read_github_output
from testing.registry import LocalRegistry, running_registry
from testing.tls import make_server_cert

pytestmark = pytest.mark.integration

TAG = "sha-0123456"


@pytest.fixture(scope="module")
def tls_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRegistry]:
    tmp = tmp_path_factory.mktemp("tls-registry")
    with running_registry(tmp / "registry", tls=make_server_cert(tmp / "certs")) as registry:
        yield registry


def tls_env(rig: Rig, registry: LocalRegistry, tmp: Path, **extra: str) -> dict[str, str]:
    """Logged in to the TLS registry; HOME is the test's, so ~/.config/containers/certs.d is too."""
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    env = push_env(rig, tmp, password=registry.password, HOME=str(home), **extra)
    env["INPUT_USERNAME"] = registry.username
    return env


def trust_in_certs_d(registry: LocalRegistry, tmp: Path) -> Path:
    """The CA where buildah and podman look for it (the user's certs.d, searched first)."""
    directory = tmp / "home" / ".config" / "containers" / "certs.d" / registry.host
    directory.mkdir(parents=True)
    shutil.copy(registry.ca, directory / "ca.crt")
    return directory


def push(rig: Rig, registry: LocalRegistry, repo: str, env: dict[str, str], tmp: Path, *extra: str) -> Run:
    args = ["--image", f"{registry.host}/{repo}", "--context", str(scratch_context(tmp)), *extra]
    return rig.run(args, env, tmp)


def test_a_tls_registry_on_loopback_with_its_ca_in_certs_d(
    rig: Rig, tls_registry: LocalRegistry, tmp_path: Path
) -> None:
    env = tls_env(rig, tls_registry, tmp_path)
    cert_dir = trust_in_certs_d(tls_registry, tmp_path)
    run = push(rig, tls_registry, "acme/tls-certs-d", env, tmp_path)
    assert run.code == 0, run.all_text
    out = read_github_output(run.outputs)
    assert tls_registry.digest("acme/tls-certs-d", TAG) == out["digest"]
    assert out["image-ref"] == f"{tls_registry.host}/acme/tls-certs-d@{out['digest']}"
    assert f"--tls-verify=true --cert-dir {cert_dir} " in run.all_text
    assert "--tls-verify=false" not in run.all_text
    assert tls_registry.password not in run.all_text


def test_a_ca_in_requests_ca_bundle_is_trusted_by_the_api_client_and_buildah_alike(
    rig: Rig, tls_registry: LocalRegistry, tmp_path: Path
) -> None:
    # Go (buildah) reads SSL_CERT_FILE, not REQUESTS_CA_BUNDLE: it is handed the same bundle.
    env = tls_env(rig, tls_registry, tmp_path, REQUESTS_CA_BUNDLE=tls_registry.ca)
    run = push(rig, tls_registry, "acme/tls-bundle", env, tmp_path)
    assert run.code == 0, run.all_text
    assert tls_registry.digest("acme/tls-bundle", TAG) == read_github_output(run.outputs)["digest"]
    assert "--tls-verify=true " in run.all_text and "--cert-dir" not in run.all_text


def test_a_tls_registry_whose_ca_is_not_trusted_fails_before_the_build_and_says_how_to_trust_it(
    rig: Rig, tls_registry: LocalRegistry, tmp_path: Path
) -> None:
    run = push(rig, tls_registry, "acme/tls-untrusted", tls_env(rig, tls_registry, tmp_path), tmp_path)
    assert run.code == 1
    (error,) = [line for line in run.stdout.splitlines() if line.startswith("::error::")]
    assert error.startswith(f"::error::the TLS certificate of registry {tls_registry.host} is not trusted")
    assert "certificate verify failed" in error
    assert f"/etc/containers/certs.d/{tls_registry.host}/ca.crt" in error
    assert "SSL_CERT_FILE" in error and f"list {tls_registry.host} in insecure-registries" in error
    assert "buildah build" not in run.all_text  # refused before a long build, nothing pushed
    assert tls_registry.tags("acme/tls-untrusted") == []


def test_insecure_registries_skips_verification_of_an_untrusted_tls_registry(
    rig: Rig, tls_registry: LocalRegistry, tmp_path: Path
) -> None:
    env = tls_env(rig, tls_registry, tmp_path)
    run = push(
        rig, tls_registry, "acme/tls-insecure", env, tmp_path, "--insecure-registries", tls_registry.host
    )
    assert run.code == 0, run.all_text
    assert tls_registry.digest("acme/tls-insecure", TAG) == read_github_output(run.outputs)["digest"]
    assert "--tls-verify=false " in run.all_text
    assert "InsecureRequestWarning" not in run.all_text


def test_a_plain_http_registry_on_loopback_is_reached_by_the_fallback(rig: Rig, tmp_path: Path) -> None:
    # Not in registries.conf: buildah reaches it only because it is told --tls-verify=false.
    with running_registry(tmp_path / "plain") as plain:
        env = push_env(rig, tmp_path, password=plain.password)
        run = push(rig, plain, "acme/plain", env, tmp_path)
        assert run.code == 0, run.all_text
        assert plain.digest("acme/plain", TAG) == read_github_output(run.outputs)["digest"]
        assert "--tls-verify=false " in run.all_text
