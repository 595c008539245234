from __future__ import annotations

import pytest

from tests.webhooks.receiver import Receiver


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def local_targets(settings):
    """Allow sending to the local receiver, as an on-premises install would allow its network."""
    settings.CBRMS_OUTBOUND_ALLOW_PRIVATE = True
    settings.CBRMS_OUTBOUND_HTTPS_ONLY = False
    settings.CBRMS_WEBHOOK_TIMEOUT_SECONDS = 1.0
    return settings
