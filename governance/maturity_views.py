"""Browser pages of maturity reviews: the list (and opening one), a review's page with the
answer form while it is open and the report once computed, and its PDF. The rules are
``governance.maturity``'s; the pages ask it what to offer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from cbrms.errors import ApplicationError
from governance.forms import MaturityAnswerForm, MaturityOpenForm
from governance.maturity import (
    report_context,
    report_for,
    review_answer,
    review_open,
    review_submit,
    review_submit_check,
)
from governance.maturity_pdf import maturity_pdf_request
from governance.models import MaturityAnswer, MaturityPrinciple, MaturityReview, MaturitySubmission
from governance.views import relationship_of
from relationships.permissions import can, capability_required
from relationships.roles import Capability
from relationships.services.relationships import require_lead


def _review(relationship, review_pk: int) -> MaturityReview:
    return get_object_or_404(
        MaturityReview.objects.select_related("maturity_model"),
        relationship=relationship,
        pk=review_pk,
    )


def _page(request, relationship, *, form=None, status=200) -> HttpResponse:
    reviews = list(
        MaturityReview.objects.filter(relationship=relationship).select_related("maturity_model")
    )
    may_open = False
    if can(request, Capability.REVIEWS_RUN):
        try:
            require_lead(relationship=relationship, organization=request.organization)
            may_open = not any(r.status == "open" for r in reviews)
        except ApplicationError:
            pass
    context = {
        "relationship": relationship,
        "reviews": reviews,
        "may_open": may_open and relationship.current_stage >= 5,
        "form": form or MaturityOpenForm(),
    }
    return render(request, "governance/maturity/list.html", context, status=status)


@login_required
@require_GET
@capability_required(Capability.REGISTERS_VIEW)
def review_list(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    return _page(request, relationship_of(pk))


@login_required
@require_POST
@capability_required(Capability.REVIEWS_RUN)
def review_open_view(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    relationship = relationship_of(pk)
    form = MaturityOpenForm(request.POST)
    if form.is_valid():
        try:
            review = review_open(
                relationship=relationship, membership=request.membership, **form.cleaned_data
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, "The review is open: each party's people can answer now.")
            return redirect("maturity-review", org_slug=org_slug, pk=pk, review_pk=review.pk)
    return _page(request, relationship, form=form, status=400)


def _review_page(request, relationship, review, *, form=None, status=200) -> HttpResponse:
    principles = list(
        MaturityPrinciple.objects.filter(model_id=review.maturity_model_id).order_by("position")
    )
    mine = {
        a.principle: a
        for a in MaturityAnswer.objects.filter(review=review, respondent=request.membership)
    }
    submitted = MaturitySubmission.objects.filter(review=review).first()
    respondents = (
        MaturityAnswer.objects.filter(review=review).values("respondent_id").distinct().count()
    )
    may_submit = False
    if review.is_open and can(request, Capability.REVIEWS_RUN):
        try:
            review_submit_check(review=review, membership=request.membership)
            may_submit = True
        except ApplicationError:
            pass
    may_answer = review.is_open and submitted is None and can(request, Capability.REVIEWS_ANSWER)
    context = {
        "relationship": relationship,
        "review": review,
        "principles": principles,
        "form": form or MaturityAnswerForm(principles=principles, answers=mine),
        "answered": bool(mine),
        "submitted": submitted,
        "respondents": respondents,
        "may_answer": may_answer,
        "may_submit": may_submit,
    }
    report = report_for(review, request.organization)
    if report is not None:
        context.update(report_context(review, report, request.organization))
    return render(request, "governance/maturity/review.html", context, status=status)


@login_required
@require_GET
@capability_required(Capability.REGISTERS_VIEW)
def review_page(request: HttpRequest, org_slug: str, pk: int, review_pk: int) -> HttpResponse:
    relationship = relationship_of(pk)
    return _review_page(request, relationship, _review(relationship, review_pk))


@login_required
@require_POST
@capability_required(Capability.REVIEWS_ANSWER)
def review_answer_view(
    request: HttpRequest, org_slug: str, pk: int, review_pk: int
) -> HttpResponse:
    relationship = relationship_of(pk)
    review = _review(relationship, review_pk)
    principles = list(
        MaturityPrinciple.objects.filter(model_id=review.maturity_model_id).order_by("position")
    )
    form = MaturityAnswerForm(request.POST, principles=principles)
    if form.is_valid():
        try:
            review_answer(review=review, membership=request.membership, answers=form.answers())
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(
                request, "Your answers are saved. Nobody outside your organization sees them."
            )
            return redirect("maturity-review", org_slug=org_slug, pk=pk, review_pk=review.pk)
    return _review_page(request, relationship, review, form=form, status=400)


@login_required
@require_POST
@capability_required(Capability.REVIEWS_RUN)
def review_submit_view(
    request: HttpRequest, org_slug: str, pk: int, review_pk: int
) -> HttpResponse:
    relationship = relationship_of(pk)
    review = _review(relationship, review_pk)
    try:
        review_submit(review=review, membership=request.membership)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Your organization's answers are submitted.")
    return redirect("maturity-review", org_slug=org_slug, pk=pk, review_pk=review.pk)


@login_required
@require_POST
@capability_required(Capability.REGISTERS_VIEW)
def review_pdf_view(request: HttpRequest, org_slug: str, pk: int, review_pk: int) -> HttpResponse:
    relationship = relationship_of(pk)
    review = _review(relationship, review_pk)
    try:
        job = maturity_pdf_request(review=review, membership=request.membership)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("maturity-review", org_slug=org_slug, pk=pk, review_pk=review.pk)
    return redirect("job-page", org_slug=org_slug, pk=job.pk)
