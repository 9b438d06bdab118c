"""The controller backends, by the name the `controller` input takes: the command's choices are
this dict's keys.

A new GitOps controller goes here: one module with a class meeting `model.Backend`, and one entry
below (and its name in verify-deployment's `controller` help, which `--help` shows without
loading any engine). Flux, for one, would read its Kustomization / HelmRelease objects through
the Kubernetes API and report them as `AppState`s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # the `controller` input reads the names: a backend's module loads when it is built
    from gitops_ci.doors.http import Http
    from gitops_ci.engines.verify.model import Backend


def _argocd(server: str, token: str, http: Http, poll: float) -> Backend:
    from gitops_ci.engines.verify.argocd import ArgoCD

    return ArgoCD(server, token, http, poll_interval=poll)


# (server URL, token, http, poll interval) -> backend.
BACKENDS: dict[str, Callable[[str, str, Http, float], Backend]] = {
    "argocd": _argocd,
}
