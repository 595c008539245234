"""DRF throttles keyed on the one reading of the client's address (``cbrms.clientip``)."""

from __future__ import annotations

from rest_framework.throttling import ScopedRateThrottle as DRFScopedRateThrottle

from cbrms.clientip import client_ip


class ScopedRateThrottle(DRFScopedRateThrottle):
    """DRF's scoped throttle; anonymous callers are counted by ``client_ip``."""

    def get_ident(self, request):
        return client_ip(request) or "unknown"
