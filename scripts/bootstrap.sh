#!/usr/bin/env bash
# Create, or reuse, the virtual environment behind every gitops-ci step of a job.
#
# The environment is keyed by the hash of the hash-pinned lock file and the Python version,
# and lives under $RUNNER_TOOL_CACHE (self-hosted runners keep it between jobs), else
# $RUNNER_TEMP. The first gitops-ci step of a job installs; later steps find the `.complete`
# marker and reuse it without touching the network. Prints `python=PATH` to $GITHUB_OUTPUT.
set -euo pipefail

fail() {
  echo "::error title=gitops-ci setup::$*"
  exit 1
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lock="$root/requirements/runtime.lock"
[[ -f "$lock" ]] || fail "lock file $lock is missing: the gitops-ci checkout is incomplete"

os="${RUNNER_OS:-$(uname -s)}"
case "$os" in
  Linux | macOS | Darwin) ;;
  *) fail "gitops-ci runs on Linux and macOS runners, not on '$os'. Use runs-on: ubuntu-latest (or a Linux self-hosted runner)." ;;
esac

python="${GITOPS_CI_BASE_PYTHON:-$(command -v python3 || true)}"
[[ -n "$python" ]] || fail "python3 was not found on this runner. Add a step before this one: uses: actions/setup-python with python-version: '3.12'."
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
  found="$("$python" -c 'import platform; print(platform.python_version())')"
  fail "gitops-ci needs python3 >= 3.10, this runner has $found. Add actions/setup-python with python-version: '3.12' before this step."
fi

if command -v sha256sum >/dev/null; then
  lock_hash="$(sha256sum "$lock" | cut -c1-16)"
else
  lock_hash="$(shasum -a 256 "$lock" | cut -c1-16)"
fi
py_tag="$("$python" -c 'import platform, sys; print(f"py{sys.version_info[0]}{sys.version_info[1]}-{platform.machine()}")')"
cache="${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}}/gitops-ci"
venv="$cache/venv-$py_tag-$lock_hash"

if [[ -f "$venv/.complete" ]]; then
  echo "gitops-ci: reusing environment $venv" >&2
else
  echo "gitops-ci: creating environment $venv" >&2
  mkdir -p "$cache"
  staging="$(mktemp -d "$cache/.venv-staging.XXXXXX")"
  trap 'rm -rf "$staging"' EXIT
  if command -v uv >/dev/null; then
    uv venv --quiet --python "$python" "$staging"
    uv pip install --quiet --python "$staging/bin/python" --require-hashes -r "$lock"
  else
    "$python" -m venv "$staging"
    "$staging/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
      --require-hashes --only-binary :all: -r "$lock"
  fi
  "$staging/bin/python" -c 'import github, requests, ruamel.yaml' ||
    fail "the new environment cannot import its dependencies; see the install log above"
  echo "$lock_hash" >"$staging/.complete"
  # A folder without the marker is what a killed job left behind.
  [[ -f "$venv/.complete" ]] || rm -rf "$venv"
  # Publish with one rename; if another job won the race, keep its environment.
  [[ -e "$venv" ]] || mv "$staging" "$venv" || [[ -f "$venv/.complete" ]] || fail "could not create $venv"
fi

if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
  echo "python=$venv/bin/python" >>"$GITHUB_OUTPUT"
else
  echo "python=$venv/bin/python"
fi
