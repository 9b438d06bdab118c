"""Which TLS each registry host gets: plain HTTP only as a fallback for loopback and
insecure-registries, verification off only for insecure-registries, and the CAs found where
buildah and podman find them (certs.d roots injected here, never /etc)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_ci.engines.build_push.trust import SYSTEM_CERTS_D, USER_CERTS_D, Trust, parse_insecure
from gitops_ci.errors import UserError

CA = "-----BEGIN CERTIFICATE-----\nprivate CA\n-----END CERTIFICATE-----\n"
BUNDLE = "-----BEGIN CERTIFICATE-----\nthe bundle\n-----END CERTIFICATE-----\n"


@pytest.mark.parametrize(
    ("host", "insecure", "allow_http", "verified"),
    [
        ("127.0.0.1:5000", set(), True, True),  # loopback: plain HTTP allowed, TLS still verified
        ("localhost:5000", set(), True, True),
        ("[::1]:5000", set(), True, True),
        ("reg.lan:5000", set(), False, True),  # HTTPS only, verified
        ("reg.lan:5000", {"reg.lan:5000"}, True, False),  # docker's insecure-registries
        ("reg.lan:5000", {"reg.lan"}, False, True),  # the name as written, port included
        ("127.0.0.1:5000", {"127.0.0.1:5000"}, True, False),
    ],
)
def test_plain_http_and_verification_per_host(
    tmp_path: Path, host: str, insecure: set[str], allow_http: bool, verified: bool
) -> None:
    trust = Trust(certs_d=(str(tmp_path),)).for_host(host, frozenset(insecure), str(tmp_path))
    assert trust.allow_http is allow_http
    assert (trust.verify is not False) is verified


def test_the_first_certs_d_root_holding_the_host_wins_and_its_cas_join_the_trusted_bundle(
    tmp_path: Path,
) -> None:
    first, second, work = tmp_path / "home-certs.d", tmp_path / "etc-certs.d", tmp_path / "work"
    for root in (first, second):
        (root / "reg.lan:5000").mkdir(parents=True)
    (first / "reg.lan:5000" / "ca.crt").write_text(CA)
    (second / "reg.lan:5000" / "other.crt").write_text("not used")
    (tmp_path / "bundle.pem").write_text(BUNDLE)
    work.mkdir()
    trust = Trust(str(tmp_path / "bundle.pem"), (str(first), str(second)))
    host = trust.for_host("reg.lan:5000", frozenset(), str(work))
    assert host.cert_dir == str(first / "reg.lan:5000")
    assert Path(str(host.verify)).read_text() == BUNDLE + CA
    assert f"put it at {first / 'reg.lan:5000'}/ca.crt" in host.fix


def test_without_certs_d_the_bundle_is_trusted_as_it_is_and_no_cert_dir_is_named(tmp_path: Path) -> None:
    (tmp_path / "bundle.pem").write_text(BUNDLE)
    host = Trust(str(tmp_path / "bundle.pem"), (str(tmp_path / "none"),)).for_host("r.io", frozenset(), "")
    assert (host.verify, host.cert_dir) == (str(tmp_path / "bundle.pem"), "")


def test_an_untrusted_host_is_told_where_to_put_its_ca(tmp_path: Path) -> None:
    trust = Trust(certs_d=(str(tmp_path / "home"), *SYSTEM_CERTS_D))
    fix = trust.for_host("reg.lan:5000", frozenset(), "").fix
    assert "put it at /etc/containers/certs.d/reg.lan:5000/ca.crt" in fix
    assert "SSL_CERT_FILE" in fix and "list reg.lan:5000 in insecure-registries" in fix


def test_from_env_searches_home_first_and_prefers_requests_ca_bundle(tmp_path: Path) -> None:
    (tmp_path / "a.pem").write_text(BUNDLE)
    env = {"HOME": "/home/u", "REQUESTS_CA_BUNDLE": str(tmp_path / "a.pem"), "SSL_CERT_FILE": "/x.pem"}
    trust = Trust.from_env(env)
    assert trust.certs_d == (f"/home/u/{USER_CERTS_D}", *SYSTEM_CERTS_D)
    assert trust.bundle == str(tmp_path / "a.pem")
    # buildah and podman (Go) read SSL_CERT_FILE only: they get the bundle the API client trusts.
    assert trust.builder_env() == {"SSL_CERT_FILE": str(tmp_path / "a.pem")}
    assert Trust.from_env({}).builder_env() == {}


def test_a_ca_bundle_variable_naming_no_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError) as caught:
        Trust.from_env({"SSL_CERT_FILE": str(tmp_path / "missing.pem")})
    assert "SSL_CERT_FILE names" in str(caught.value) and "which is not a file" in str(caught.value)


def test_insecure_registries_are_hosts_as_image_names_spell_them() -> None:
    assert parse_insecure("Reg.LAN:5000, 10.0.0.5\n# comment\n") == {"reg.lan:5000", "10.0.0.5"}


@pytest.mark.parametrize("entry", ["http://reg.lan:5000", "reg.lan:5000/acme"])
def test_an_insecure_registry_with_a_scheme_or_path_is_refused(entry: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_insecure(entry)
    assert f"{entry!r} is not a registry host" in str(caught.value) and "no scheme, no path" in str(
        caught.value
    )
