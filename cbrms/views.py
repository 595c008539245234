"""Error pages: JSON under /api/, readable HTML elsewhere."""

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader

from cbrms.api.exceptions import error_body


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


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
