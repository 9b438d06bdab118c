"""The proxy an HTTP call of a command takes from the environment (notify's webhooks, the
GitOps controller's API for verify-deployment and promote)."""

from __future__ import annotations

import urllib.parse
from typing import Mapping


def proxies_for(url: str, environ: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The proxy for `url` from HTTPS_PROXY/HTTP_PROXY unless NO_PROXY names its host."""
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").lower()
    no_proxy = environ.get("no_proxy") or environ.get("NO_PROXY") or ""
    for entry in (e.strip().lower().lstrip(".") for e in no_proxy.split(",")):
        if entry and (entry == "*" or host == entry or host.endswith("." + entry)):
            return ()
    scheme = parts.scheme if parts.scheme in ("http", "https") else "https"
    proxy = environ.get(f"{scheme}_proxy") or environ.get(f"{scheme.upper()}_PROXY") or ""
    return ((scheme, proxy),) if proxy else ()
