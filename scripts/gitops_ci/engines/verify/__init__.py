"""verify-deployment: wait until the GitOps controller has applied the infra commit and the
application is healthy (issue 14). One backend per controller (`backends.BACKENDS`)."""
