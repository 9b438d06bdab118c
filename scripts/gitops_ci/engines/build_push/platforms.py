"""The `platforms` input: `OS/ARCH[/VARIANT]`, checked against the values the OCI image-index
spec names (Go's GOOS and GOARCH, and the variants registries and builders know), so a typo is
refused before the build instead of pushed as an image for architecture `nonsense`."""

from __future__ import annotations

from gitops_ci.errors import UserError
from gitops_ci.inputs import parse_list

# https://github.com/opencontainers/image-spec/blob/main/image-index.md: platform.os and
# platform.architecture "SHOULD use ... values listed in the Go Language document for GOOS/GOARCH".
GOOS = (
    "aix android darwin dragonfly freebsd illumos ios js linux netbsd openbsd plan9 solaris wasip1 windows"
).split()
GOARCH = "386 amd64 arm arm64 loong64 mips mips64 mips64le mipsle ppc64 ppc64le riscv64 s390x wasm".split()
VARIANTS = {
    "arm": ("v5", "v6", "v7", "v8"),
    "arm64": ("v8",),
    "amd64": ("v1", "v2", "v3", "v4"),
}
# Names from `uname -m` and distributions that users write instead of GOARCH.
ALIASES = {
    "x86_64": "amd64",
    "x86-64": "amd64",
    "aarch64": "arm64",
    "armhf": "arm/v7",
    "armel": "arm/v6",
    "i386": "386",
    "i686": "386",
    "x86": "386",
}


def parse_platforms(text: str, *, name: str = "platforms") -> list[str]:
    """A comma or newline separated list of platforms, each valid; returned as written, lowercased."""
    return [check_platform(item.lower(), name=name) for item in parse_list(text, name=name)]


def check_platform(platform: str, *, name: str = "platforms") -> str:
    parts = platform.split("/")
    if len(parts) not in (2, 3) or not all(parts):
        raise _invalid(name, platform, "it is not OS/ARCH or OS/ARCH/VARIANT")
    os_name, arch = parts[0], parts[1]
    if os_name not in GOOS:
        raise _invalid(name, platform, f"unknown OS {os_name!r}; valid: {', '.join(GOOS)}")
    if arch not in GOARCH:
        hint = f" ({arch} is written {ALIASES[arch]})" if arch in ALIASES else ""
        raise _invalid(name, platform, f"unknown architecture {arch!r}{hint}; valid: {', '.join(GOARCH)}")
    if len(parts) == 3 and parts[2] not in VARIANTS.get(arch, ()):
        known = ", ".join(VARIANTS[arch]) if arch in VARIANTS else "none"
        raise _invalid(name, platform, f"unknown variant {parts[2]!r} for {arch}; valid: {known}")
    return platform


def _invalid(name: str, platform: str, why: str) -> UserError:
    return UserError(
        f"input {name!r}: {platform!r} is not a valid platform",
        why=why,
        fix="write OS/ARCH[/VARIANT] with Go's names, comma separated, e.g. `linux/amd64,linux/arm64` "
        f"or `linux/arm/v7`; variants: {_variants()}",
    )


def _variants() -> str:
    return "; ".join(f"{arch} {'/'.join(values)}" for arch, values in VARIANTS.items())
