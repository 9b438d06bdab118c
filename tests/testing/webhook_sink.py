"""The loopback webhook receiver lives in gitops_ci_dev.sink (`make demo` uses it too)."""

from gitops_ci_dev.sink import SIGNATURE_HEADER, Answer, Received, WebhookSink  # noqa: F401
