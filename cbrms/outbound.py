"""Requests we send to addresses other people chose (webhook endpoints), safely.

A URL someone registers can point at our own network: the database, the metadata service of the
cloud we run on, an admin page on loopback. So an outbound request here

- resolves the host itself and refuses it when **any** address it resolves to is private,
  loopback, link-local, multicast or otherwise not global (``CBRMS_OUTBOUND_ALLOW_PRIVATE``
  lifts this for on-premises installs), then connects to the address it checked, so a name
  cannot resolve to something else between the check and the connection;
- follows no redirect (httpcore never does) and uses no proxy from the environment;
- is bounded: connect and read timeouts, a total deadline for the whole exchange, and at most
  ``max_response_bytes`` of the answer are read.

The check at registration (``outbound_url_check``) is a courtesy to the person typing the URL;
the check at connection time is the one that counts, since DNS answers change.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi
import httpcore
from django.conf import settings

#: What an outbound request sends as its user agent.
USER_AGENT = "CBRMS-Webhooks/1"


class OutboundRefused(Exception):
    """The URL may not be called: bad form, or an address we do not send to.

    ``code`` is stable (``address_refused``, ``unresolvable``, ``invalid_url``); the message is
    for people.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class OutboundFailed(Exception):
    """The request was allowed but did not get an answer (timeout, refused connection...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class OutboundResponse:
    status: int
    body: bytes  # at most max_response_bytes
    location: str  # a redirect's target, recorded, never followed


def _allow_private() -> bool:
    return bool(getattr(settings, "CBRMS_OUTBOUND_ALLOW_PRIVATE", False))


def address_allowed(address: str) -> bool:
    """Whether we may connect to the IP ``address``: a global unicast address only."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback
    if _allow_private():
        return not ip.is_multicast and not ip.is_unspecified
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, every one of them allowed; or ``OutboundRefused``."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise OutboundRefused(
            "unresolvable", f"The host {host} could not be resolved to an address."
        ) from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise OutboundRefused("unresolvable", f"The host {host} resolves to no address.")
    refused = [address for address in addresses if not address_allowed(address)]
    if refused:
        raise OutboundRefused(
            "address_refused",
            f"The host {host} resolves to an address we do not send to ({refused[0]}): "
            "private, loopback and link-local networks are refused.",
        )
    return addresses


def outbound_url_check(url: str, *, https_only: bool | None = None) -> tuple[str, int]:
    """Check the form of ``url`` and where it resolves to now; return its host and port."""
    if https_only is None:
        https_only = getattr(settings, "CBRMS_OUTBOUND_HTTPS_ONLY", True)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise OutboundRefused("invalid_url", "This is not a valid URL.") from None
    allowed_schemes = ("https",) if https_only else ("https", "http")
    if parts.scheme not in allowed_schemes:
        raise OutboundRefused(
            "invalid_url",
            "The URL must start with https://."
            if https_only
            else "The URL must start with http:// or https://.",
        )
    if not parts.hostname:
        raise OutboundRefused("invalid_url", "The URL has no host.")
    if parts.username is not None or parts.password is not None:
        raise OutboundRefused(
            "invalid_url", "Put no user name or password in the URL: the signature authenticates."
        )
    if parts.fragment:
        raise OutboundRefused("invalid_url", "The URL may not have a #fragment.")
    port = port or (443 if parts.scheme == "https" else 80)
    resolve(parts.hostname, port)
    return parts.hostname, port


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write ends by one deadline: a receiver that trickles
    a byte every few seconds cannot hold the worker longer than the whole exchange may take."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: float) -> None:
        self._stream = stream
        self._deadline = deadline

    def _left(self, timeout: float | None, error: type[Exception]) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise error("The exchange ran past its deadline.")
        return left if timeout is None else min(timeout, left)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        timeout = self._left(timeout, httpcore.ConnectTimeout)
        stream = self._stream.start_tls(ssl_context, server_hostname, timeout)
        return _DeadlineStream(stream, self._deadline)

    def get_extra_info(self, info: str):
        return self._stream.get_extra_info(info)


class _CheckedBackend(httpcore.NetworkBackend):
    """Connects only to addresses ``resolve`` allowed, the ones it just checked, and bounds
    the whole exchange by ``deadline`` (``time.monotonic``).

    TLS still verifies the certificate against the URL's host name: httpcore starts TLS with
    the original host as ``server_hostname``.
    """

    def __init__(self, deadline: float) -> None:
        self._backend = httpcore.SyncBackend()
        self._deadline = deadline

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        last_error: Exception | None = None
        for address in resolve(host, port):
            left = self._deadline - time.monotonic()
            if left <= 0:
                raise httpcore.ConnectTimeout("The exchange ran past its deadline.")
            timeout = left if timeout is None else min(timeout, left)
            try:
                stream = self._backend.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
                return _DeadlineStream(stream, self._deadline)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                last_error = error
        raise last_error or httpcore.ConnectError(f"No address of {host} answered.")

    def connect_unix_socket(self, path, timeout=None, socket_options=None):  # pragma: no cover
        raise httpcore.ConnectError("Unix sockets are not used for outbound requests.")

    def sleep(self, seconds: float) -> None:  # pragma: no cover - httpcore's retries are off
        time.sleep(seconds)


def post(
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    max_response_bytes: int = 4096,
) -> OutboundResponse:
    """POST ``body`` to ``url`` and return the answer, within ``timeout`` seconds in all.

    Raises ``OutboundRefused`` (the URL may not be called) or ``OutboundFailed`` (no answer).
    """
    outbound_url_check(url)
    deadline = time.monotonic() + timeout
    all_headers = {
        "user-agent": USER_AGENT,
        "content-type": "application/json",
        **{name.lower(): value for name, value in headers.items()},
    }
    pool = httpcore.ConnectionPool(
        ssl_context=ssl.create_default_context(cafile=certifi.where()),
        max_connections=1,
        retries=0,
        network_backend=_CheckedBackend(deadline),
    )
    limits = {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}
    try:
        with (
            pool,
            pool.stream(
                "POST",
                url,
                headers=list(all_headers.items()),
                content=body,
                extensions={"timeout": limits},
            ) as response,
        ):
            received = bytearray()
            for chunk in response.iter_stream():
                received += chunk
                if len(received) >= max_response_bytes:
                    break
            location = {
                name.decode("latin-1").lower(): value.decode("latin-1")
                for name, value in response.headers
            }.get("location", "")
            return OutboundResponse(
                status=response.status,
                body=bytes(received[:max_response_bytes]),
                location=location[:500],
            )
    except OutboundRefused:
        raise
    except httpcore.TimeoutException:
        raise OutboundFailed("timeout", f"No answer within {timeout:g} seconds.") from None
    except httpcore.ConnectError as error:
        raise OutboundFailed("connection_failed", f"Could not connect: {error}") from None
    except (httpcore.NetworkError, httpcore.ProtocolError) as error:
        raise OutboundFailed("connection_failed", f"The connection broke: {error}") from None
    except httpcore.UnsupportedProtocol:
        raise OutboundRefused("invalid_url", "This URL's scheme is not supported.") from None
