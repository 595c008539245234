"""The daily reminder digests: one row per person and day, written in the transaction that
sends the digest, so that no person gets two for the same day."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReminderDigest(models.Model):
    """A digest sent (or being sent) to a person for a day. Not tenant data: it is about a
    person across their organizations, and read by the digest job only."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    items = models.PositiveIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="reminder_digest_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"
