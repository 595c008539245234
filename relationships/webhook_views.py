"""Browser pages of webhooks: the organization's endpoints, one endpoint with its delivery log,
and the actions on them (rotate the secret, send a test, enable, disable, remove, replay)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cbrms.errors import ApplicationError
from relationships.forms import WebhookEndpointForm
from relationships.models import MessageState, WebhookEndpoint, WebhookMessage
from relationships.permissions import capability_required
from relationships.roles import Capability
from relationships.services.webhooks import (
    endpoint_create,
    endpoint_delete,
    endpoint_disable,
    endpoint_enable,
    endpoint_rotate_secret,
    endpoint_send_test,
    endpoint_update,
    message_replay,
)
from relationships.webhook_events import webhook_event_types

#: How many of an endpoint's newest messages its page lists.
MESSAGES_SHOWN = 50
#: Where a new secret waits in the session for the one page that shows it.
SECRET_KEY = "webhook_secret"  # noqa: S105 (a session key's name)


def _endpoint(request: HttpRequest, pk: int) -> WebhookEndpoint:
    return get_object_or_404(WebhookEndpoint, pk=pk)


def _show_secret_once(request: HttpRequest, endpoint: WebhookEndpoint, secret: str) -> None:
    request.session[SECRET_KEY] = {"endpoint": endpoint.pk, "secret": secret}


def _list_page(request: HttpRequest, form: WebhookEndpointForm, status: int = 200):
    endpoints = WebhookEndpoint.objects.select_related("created_by").order_by("-created_at")
    context = {"endpoints": endpoints, "form": form, "event_types": webhook_event_types()}
    return render(request, "relationships/webhooks/list.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@capability_required(Capability.WEBHOOKS_MANAGE)
def webhook_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The endpoints, and the form that registers one."""
    if request.method != "POST":
        return _list_page(request, WebhookEndpointForm())
    form = WebhookEndpointForm(request.POST)
    if form.is_valid():
        try:
            created = endpoint_create(membership=request.membership, **form.cleaned_data)
        except ApplicationError as error:
            form.add_application_error(error, field="url")
        else:
            _show_secret_once(request, created.endpoint, created.secret)
            messages.success(request, "Endpoint registered. Copy its signing secret now.")
            return redirect("webhook-detail", org_slug=org_slug, pk=created.endpoint.pk)
    return _list_page(request, form, status=400)


def _detail_page(request, endpoint, form, status=200) -> HttpResponse:
    shown = request.session.pop(SECRET_KEY, None)
    secret = shown["secret"] if shown and shown.get("endpoint") == endpoint.pk else None
    log = list(
        WebhookMessage.objects.filter(endpoint=endpoint)
        .prefetch_related("attempt_log")
        .order_by("-created_at")[:MESSAGES_SHOWN]
    )
    context = {
        "endpoint": endpoint,
        "form": form,
        "secret": secret,
        "log": log,
        "limit": MESSAGES_SHOWN,
        "replayable": (MessageState.DELIVERED, MessageState.FAILED),
    }
    response = render(request, "relationships/webhooks/detail.html", context, status=status)
    response["Cache-Control"] = "no-store"  # it may show the secret
    return response


@login_required
@require_http_methods(["GET", "POST"])
@capability_required(Capability.WEBHOOKS_MANAGE)
def webhook_detail(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    """One endpoint: its settings (a form), its secret's rotation, its delivery log."""
    endpoint = _endpoint(request, pk)
    initial = {
        "url": endpoint.url,
        "description": endpoint.description,
        "events": endpoint.events,
        "risk_score_threshold": endpoint.risk_score_threshold,
    }
    if request.method != "POST":
        return _detail_page(request, endpoint, WebhookEndpointForm(initial=initial))
    form = WebhookEndpointForm(request.POST, initial=initial)
    if form.is_valid():
        try:
            changes = {name: form.cleaned_data[name] for name in form.changed_data}
            if changes:
                endpoint_update(endpoint=endpoint, **changes)
        except ApplicationError as error:
            form.add_application_error(error, field="url")
        else:
            messages.success(request, "Endpoint saved." if changes else "Nothing changed.")
            return redirect("webhook-detail", org_slug=org_slug, pk=pk)
    endpoint.refresh_from_db()
    return _detail_page(request, endpoint, form, status=400)


def _act(request: HttpRequest, pk: int, act) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    try:
        done = act(endpoint)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("webhook-detail", org_slug=request.organization.slug, pk=pk)


@login_required
@require_POST
@capability_required(Capability.WEBHOOKS_MANAGE)
def webhook_rotate_view(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    def rotate(endpoint):
        rotated = endpoint_rotate_secret(endpoint=endpoint)
        _show_secret_once(request, endpoint, rotated.secret)
        return "New secret made. The old one also signs for 24 hours, while you switch."

    return _act(request, pk, rotate)


@login_required
@require_POST
@capability_required(Capability.WEBHOOKS_MANAGE)
def webhook_test_view(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    def test(endpoint):
        endpoint_send_test(endpoint=endpoint)
        return "Test message queued: it appears in the log below in a moment."

    return _act(request, pk, test)


@login_required
@require_POST
@capability_required(Capability.WEBHOOKS_MANAGE)
def webhook_enable_view(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    def enable(endpoint):
        endpoint_enable(endpoint=endpoint)
        return "Endpoint enabled: new events are sent to it again."

    return _act(request, pk, enable)


@login_required
@require_POST
@capability_required(Capability.WEBHOOKS_MANAGE)
def webhook_disable_view(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    def disable(endpoint):
        endpoint_disable(endpoint=endpoint, reason="Disabled by hand.")
        return "Endpoint disabled: nothing is sent to it until you enable it."

    return _act(request, pk, disable)


@login_required
@require_POST
@capability_required(Capability.WEBHOOKS_MANAGE)
def webhook_delete_view(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    endpoint_delete(endpoint=endpoint)
    messages.success(request, f"Endpoint {endpoint.url} removed, with its delivery log.")
    return redirect("webhook-list", org_slug=org_slug)


@login_required
@require_POST
@capability_required(Capability.WEBHOOKS_MANAGE)
def webhook_replay_view(request: HttpRequest, org_slug: str, pk: int, message_pk) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    message = get_object_or_404(
        WebhookMessage.objects.select_related("endpoint"), pk=message_pk, endpoint=endpoint
    )
    try:
        message_replay(message=message)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Message queued again, with the same id.")
    return redirect("webhook-detail", org_slug=org_slug, pk=pk)


@login_required
@require_GET
@capability_required(Capability.WEBHOOKS_MANAGE)
def webhook_events(request: HttpRequest, org_slug: str) -> HttpResponse:
    """What each event means and what its message holds: the integrator's reference."""
    return render(
        request,
        "relationships/webhooks/events.html",
        {"event_types": webhook_event_types(subscribable=False)},
    )
