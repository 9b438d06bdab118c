"""How a registry's TLS is checked: decided once per host, for the API client and the builder alike.

As docker does: HTTPS first, plain HTTP only as the fallback for loopback registries and the ones
in `insecure-registries`. Certificates are verified, except for `insecure-registries` (docker's
and registries.conf's `insecure` both mean that), against the system's trust store or the CA
bundle named by `REQUESTS_CA_BUNDLE` / `SSL_CERT_FILE`, plus the registry's own CAs in certs.d
(`HOST[:PORT]/*.crt`), searched where buildah and podman search them. Unlike docker, whose
default insecure-registries holds 127.0.0.0/8, a loopback registry that speaks TLS must have a
trusted certificate: loopback only allows the plain-HTTP fallback.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from gitops_ci.engines.build_push.spec import is_loopback
from gitops_ci.errors import UserError
from gitops_ci.inputs import parse_list

SYSTEM_CERTS_D = ("/etc/containers/certs.d", "/etc/docker/certs.d")
USER_CERTS_D = ".config/containers/certs.d"  # under HOME, searched first (containers/image)


@dataclass(frozen=True)
class HostTrust:
    """One registry host's TLS settings."""

    verify: bool | str = True  # requests' `verify`: a CA bundle file, or False (not verified)
    allow_http: bool = False  # plain HTTP when the host does not speak TLS
    cert_dir: str = ""  # the host's certs.d directory: the builder's --cert-dir
    fix: str = "list the registry in insecure-registries to skip certificate verification"


@dataclass(frozen=True)
class BuilderTls:
    """What buildah/podman are told for one push: `--tls-verify`, and `--cert-dir` when the
    registry's CAs are in a certs.d directory."""

    verify: bool
    cert_dir: str = ""


@dataclass(frozen=True)
class Trust:
    """Where certificates are trusted from, read once at the edge."""

    bundle: str = ""  # the CA bundle the user named; "" for the system's trust store
    certs_d: tuple[str, ...] = SYSTEM_CERTS_D  # certs.d roots in search order: the first HOST dir wins

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Trust:
        home = environ.get("HOME", "")
        roots = (str(Path(home, USER_CERTS_D)),) if home else ()
        name = "REQUESTS_CA_BUNDLE" if environ.get("REQUESTS_CA_BUNDLE") else "SSL_CERT_FILE"
        bundle = environ.get(name, "")
        if bundle and not os.path.isfile(bundle):
            raise UserError(
                f"{name} names {bundle!r}, which is not a file",
                fix="point it at a PEM file of CA certificates, or unset it",
            )
        return cls(bundle, roots + SYSTEM_CERTS_D)

    def builder_env(self) -> dict[str, str]:
        """The builders (Go's TLS) read SSL_CERT_FILE, not REQUESTS_CA_BUNDLE: give them the same
        bundle the API client trusts."""
        return {"SSL_CERT_FILE": self.bundle} if self.bundle else {}

    def host_dir(self, host: str) -> str:
        """The host's certs.d directory as containers/image finds it, or ""."""
        return next((str(Path(root, host)) for root in self.certs_d if Path(root, host).is_dir()), "")

    def for_host(self, host: str, insecure: frozenset[str], bundles: str) -> HostTrust:
        """`host`'s settings; a CA bundle with the host's own CAs added is written into `bundles`."""
        allow_http = host in insecure or is_loopback(host)
        directory = self.host_dir(host)
        if host in insecure:
            return HostTrust(False, allow_http, directory)
        cas = sorted(Path(directory).glob("*.crt")) if directory else []
        verify: bool | str = self.bundle or _system_bundle()
        if cas:
            verify = _combined(Path(bundles, f"ca-{_safe(host)}.pem"), [Path(str(verify)), *cas])
        return HostTrust(verify, allow_http, directory, self._fix(host, directory))

    def _fix(self, host: str, directory: str) -> str:
        root = SYSTEM_CERTS_D[0] if SYSTEM_CERTS_D[0] in self.certs_d else self.certs_d[0]
        where = directory or str(Path(root, host))
        return (
            f"give the CA certificate that signed the registry's certificate: put it at {where}/ca.crt "
            "(gitops-ci, buildah and podman read it there), or set SSL_CERT_FILE to a CA bundle that "
            f"includes it; to skip verification instead, list {host} in insecure-registries"
        )


def _system_bundle() -> str:
    """The system's CA file (where a private CA installed with update-ca-certificates lands, and
    what buildah trusts), else certifi's. (Imported here: a command that makes no request needs
    neither.)"""
    import ssl

    import certifi

    cafile = ssl.get_default_verify_paths().cafile
    return cafile if cafile and os.path.isfile(cafile) else certifi.where()


def _combined(path: Path, parts: list[Path]) -> str:
    with open(path, "w", encoding="utf-8") as out:
        for part in parts:
            out.write(part.read_text(encoding="utf-8", errors="replace").rstrip("\n") + "\n")
    return str(path)


def _safe(host: str) -> str:
    return "".join(c if c.isalnum() or c in ".-" else "_" for c in host)


def parse_insecure(text: str, *, name: str = "insecure-registries") -> frozenset[str]:
    """Registry hosts as the image names spell them (lowercase, as images are): a scheme or a
    path would never match one, so it is refused rather than silently ignored."""
    hosts = parse_list(text, name=name)
    for host in hosts:
        if "/" in host:
            raise UserError(
                f"input {name!r}: {host!r} is not a registry host",
                fix="give HOST[:PORT] as in the image name, e.g. `registry.lan:5000` (no scheme, no path)",
            )
    return frozenset(host.lower() for host in hosts)


def untrusted(where: str, why: str, fix: str) -> UserError:
    return UserError(f"the TLS certificate of registry {where} is not trusted", why=why, fix=fix)
