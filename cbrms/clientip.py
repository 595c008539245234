"""The one answer to "which address did this request come from".

``X-Forwarded-For`` is a header anyone can send. It is believed only behind proxies the
deployment declares: ``CBRMS_TRUSTED_PROXIES`` (DRF's ``NUM_PROXIES``) says how many stand in
front of the application, and each appends the address it received the request from, so the
client is that many entries from the right. With none declared (the default) the address is
the connection's own, ``REMOTE_ADDR``, whatever the header says. Throttles (DRF) and the
sign-in lockout (django-axes, ``AXES_CLIENT_IP_CALLABLE``) both ask this function.
"""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: DRF's reading of ``NUM_PROXIES``, kept only if it is an address.

    A trusted proxy passes on whatever a client put in front of its own entry; an entry that is
    not an address (a proxy misconfigured, fewer entries than proxies) falls back to the
    connection's address rather than to attacker-chosen text.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    candidate = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
