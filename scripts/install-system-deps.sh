#!/usr/bin/env bash
# The Debian packages the tests and `make demo` need: git, python3-venv, a daemonless container
# builder (buildah), a registry (docker-registry), skopeo, a static busybox for the local base
# image, htpasswd (apache2-utils), shellcheck (actionlint checks every `run:` script with it) and
# Node.js with npm (the e2e tests' artifact actions run on the real artifact client, installed
# with `npm ci`). Installs what is missing when run as root with apt-get; otherwise says exactly
# what is missing and how to get it, and exits 1.
set -euo pipefail

PACKAGES=(git make python3-venv ca-certificates buildah docker-registry skopeo busybox-static apache2-utils shellcheck)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# Node.js may come from another package source (one whose nodejs bundles npm): the commands count.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
((${#missing[@]})) || exit 0

if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "installing: ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  exit 0
fi

echo "missing system packages: ${missing[*]}" >&2
if command -v apt-get >/dev/null; then
  echo "install them as root:  sudo apt-get install ${missing[*]}" >&2
else
  echo "this is not a Debian-like system: install the equivalents of ${missing[*]} with your package manager" >&2
fi
exit 1
