"""Outbound requests refuse our own networks, before and at connection time."""

from __future__ import annotations

import time

import pytest

from cbrms import outbound
from tests.webhooks.receiver import Answer

REFUSED_ADDRESSES = [
    "127.0.0.1",
    "127.8.9.10",
    "10.0.0.5",
    "172.16.3.4",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # carrier-grade NAT
    "0.0.0.0",  # noqa: S104
    "224.0.0.1",
    "::1",
    "fe80::1",
    "fc00::1",
    "::ffff:127.0.0.1",  # IPv4-mapped loopback
    "::ffff:10.0.0.1",
]


@pytest.mark.parametrize("address", REFUSED_ADDRESSES)
def test_private_loopback_and_link_local_addresses_are_refused(address, settings):
    settings.CBRMS_OUTBOUND_ALLOW_PRIVATE = False
    assert not outbound.address_allowed(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
def test_global_addresses_are_allowed(address, settings):
    settings.CBRMS_OUTBOUND_ALLOW_PRIVATE = False
    assert outbound.address_allowed(address)


def test_the_setting_allows_private_addresses_but_never_multicast(settings):
    settings.CBRMS_OUTBOUND_ALLOW_PRIVATE = True
    assert outbound.address_allowed("10.0.0.5")
    assert outbound.address_allowed("127.0.0.1")
    assert not outbound.address_allowed("224.0.0.1")


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("https://127.0.0.1/hook", "address_refused"),
        ("https://[::1]:8443/hook", "address_refused"),
        ("https://169.254.169.254/latest/meta-data/", "address_refused"),
        # A name is resolved, and judged by where it points.
        ("https://localhost/hook", "address_refused"),
        ("http://93.184.216.34/hook", "invalid_url"),  # https only by default
        ("ftp://93.184.216.34/hook", "invalid_url"),
        ("https://user:pass@93.184.216.34/hook", "invalid_url"),
        ("https://93.184.216.34/hook#part", "invalid_url"),
        ("https://93.184.216.34:99999/hook", "invalid_url"),
        ("https:///hook", "invalid_url"),
        ("https://no-such-host.invalid/hook", "unresolvable"),
    ],
)
def test_urls_are_checked_at_registration(url, code, settings):
    settings.CBRMS_OUTBOUND_ALLOW_PRIVATE = False
    settings.CBRMS_OUTBOUND_HTTPS_ONLY = True
    with pytest.raises(outbound.OutboundRefused) as refused:
        outbound.outbound_url_check(url)
    assert refused.value.code == code


def test_a_public_address_passes_the_check(settings):
    settings.CBRMS_OUTBOUND_ALLOW_PRIVATE = False
    assert outbound.outbound_url_check("https://93.184.216.34/hook") == ("93.184.216.34", 443)


def test_the_send_checks_again_and_connects_to_nothing_refused(receiver, settings):
    """A URL that was allowed once (the setting, or DNS, changed since) is refused at send
    time, after resolution, and the receiver never sees a request."""
    settings.CBRMS_OUTBOUND_HTTPS_ONLY = False
    settings.CBRMS_OUTBOUND_ALLOW_PRIVATE = False
    for url in (receiver.url, receiver.url.replace("127.0.0.1", "localhost")):
        with pytest.raises(outbound.OutboundRefused) as refused:
            outbound.post(url, body=b"{}", headers={}, timeout=1)
        assert refused.value.code == "address_refused"
    assert receiver.requests == []


def test_redirects_are_not_followed(receiver, local_targets):
    receiver.answers.append(Answer(status=302, headers={"Location": "/elsewhere"}))
    response = outbound.post(receiver.url, body=b"{}", headers={}, timeout=1)
    assert response.status == 302
    assert response.location == "/elsewhere"
    assert [r.path for r in receiver.requests] == ["/hook"]


def test_a_hanging_endpoint_times_out(receiver, local_targets):
    receiver.answers.append(Answer(delay=3))
    with pytest.raises(outbound.OutboundFailed) as failed:
        outbound.post(receiver.url, body=b"{}", headers={}, timeout=0.5)
    assert failed.value.code == "timeout"


def test_a_trickling_answer_is_cut_at_the_deadline(receiver, local_targets):
    """A byte every 0.2 s never trips a per-read timeout; the exchange's deadline ends it."""
    receiver.answers.append(Answer(status=200, body=b"x" * 40, trickle=0.2))
    with pytest.raises(outbound.OutboundFailed) as failed:
        outbound.post(receiver.url, body=b"{}", headers={}, timeout=1)
    assert failed.value.code == "timeout"


def test_only_the_start_of_a_long_answer_is_read(receiver, local_targets):
    receiver.answers.append(Answer(status=200, body=b"y" * 10_000))
    response = outbound.post(
        receiver.url, body=b"{}", headers={}, timeout=2, max_response_bytes=100
    )
    assert response.status == 200
    assert response.body == b"y" * 100


def test_a_refused_connection_is_a_failure_not_a_refusal(local_targets):
    with pytest.raises(outbound.OutboundFailed) as failed:
        outbound.post("http://127.0.0.1:9/hook", body=b"{}", headers={}, timeout=1)
    assert failed.value.code == "connection_failed"


def test_the_connection_itself_refuses_a_private_address(receiver, settings):
    """The check that counts is made where the socket is opened, on the addresses the name
    resolves to then (a name can resolve elsewhere between the check and the connection)."""
    settings.CBRMS_OUTBOUND_ALLOW_PRIVATE = False
    backend = outbound._CheckedBackend(deadline=time.monotonic() + 2)
    port = receiver.server.server_address[1]
    for host in ("127.0.0.1", "localhost"):
        with pytest.raises(outbound.OutboundRefused):
            backend.connect_tcp(host, port)
    assert receiver.requests == []
