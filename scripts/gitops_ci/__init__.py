"""gitops-ci: push to deployment the GitOps way (quality-gate, build-and-push, bump-manifest, notify)."""

__version__ = "0.1.0"
