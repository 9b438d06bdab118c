"""The loopback webhook receiver lives in gitops_ci.devtools.sink (`make demo` uses it too)."""

from gitops_ci.devtools.sink import SIGNATURE_HEADER, Answer, Received, WebhookSink  # noqa: F401
