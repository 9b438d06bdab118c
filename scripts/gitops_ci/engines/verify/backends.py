"""The controller backends, by the name the `controller` input takes."""

from __future__ import annotations

from typing import Callable

from gitops_ci.doors.http import Http
from gitops_ci.engines.verify.argocd import ArgoCD
from gitops_ci.engines.verify.model import Backend

# (server URL, token, http, poll interval) -> backend. Flux (Kustomization / HelmRelease read
# through the Kubernetes API) would be a second entry.
BACKENDS: dict[str, Callable[[str, str, Http, float], Backend]] = {
    "argocd": lambda server, token, http, poll: ArgoCD(server, token, http, poll_interval=poll),
}
