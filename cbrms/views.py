"""Error pages: JSON under /api/, readable HTML elsewhere."""

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader

from cbrms.api.exceptions import error_body


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


#: What Django refuses before any view runs (``SuspiciousOperation``), said for people.
_BAD_REQUESTS = (
    (
        RequestDataTooBig,
        "request_too_large",
        "The request is too large",
        "It is larger than CBRMS accepts in one request (files go through the evidence upload, "
        "which takes larger ones).",
    ),
    (
        (TooManyFieldsSent, TooManyFilesSent),
        "too_many_fields",
        "The request has too many fields",
        "It carries more form fields or files than CBRMS accepts in one request.",
    ),
)


def bad_request(request, exception=None):
    """400 for what Django refuses before a view runs: oversized bodies, too many fields."""
    code, heading, explanation = (
        "bad_request",
        "The request could not be understood",
        "It was malformed or incomplete.",
    )
    for kinds, *described in _BAD_REQUESTS:
        if isinstance(exception, kinds):
            code, heading, explanation = described
    if _is_api(request):
        return JsonResponse(error_body(code, f"{heading}. {explanation}"), status=400)
    context = {"heading": heading, "explanation": explanation}
    return render(request, "errors/400.html", context, status=400)


def page_not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse(error_body("not_found", "Not found."), status=404)
    return render(request, "errors/404.html", status=404)


def permission_denied(request, exception=None):
    if _is_api(request):
        body = error_body("permission_denied", "You may not do this.")
        return JsonResponse(body, status=403)
    return render(request, "errors/403.html", status=403)


def server_error(request):
    if _is_api(request):
        body = error_body("server_error", "Something went wrong on our side; it was logged.")
        return JsonResponse(body, status=500)
    # Rendered without the request: no context processor may touch a database that is down.
    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)
