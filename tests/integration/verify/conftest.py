"""Fixtures for verify-deployment: the fake Argo CD."""

from testing.argocd_fake import argocd

__all__ = ["argocd"]
