"""Browser URLs of the workspace registers, under a relationship of the acting organization."""

from django.urls import include, path

from governance import (
    maturity_views,
    meeting_views,
    objective_views,
    survey_views,
    system_views,
    views,
)

relationship_patterns = [
    # objectives and KPIs
    path("objectives/", objective_views.objective_list, name="objective-list"),
    path("objectives/new/", objective_views.objective_create_view, name="objective-create"),
    path("objectives/export.csv", objective_views.objective_export, name="objective-export"),
    path("objectives/values.csv", objective_views.measurement_export, name="measurement-export"),
    path("objectives/<int:objective_pk>/", objective_views.objective_page, name="objective-page"),
    path(
        "objectives/<int:objective_pk>/save/",
        objective_views.objective_update_view,
        name="objective-update",
    ),
    path(
        "objectives/<int:objective_pk>/kpis/new/",
        objective_views.kpi_create_view,
        name="kpi-create",
    ),
    path(
        "objectives/<int:objective_pk>/kpis/<int:kpi_pk>/save/",
        objective_views.kpi_update_view,
        name="kpi-update",
    ),
    path(
        "objectives/<int:objective_pk>/kpis/<int:kpi_pk>/values/",
        objective_views.measurement_create_view,
        name="measurement-create",
    ),
    # risks
    path("risks/", views.risk_list, name="risk-list"),
    path("risks/new/", views.risk_create_view, name="risk-create"),
    path("risks/export.csv", views.risk_export, name="risk-export"),
    path("risks/<int:risk_pk>/", views.risk_page, name="risk-page"),
    path("risks/<int:risk_pk>/save/", views.risk_update_view, name="risk-update"),
    # issues and the escalation ladder
    path("issues/", views.issue_list, name="issue-list"),
    path("issues/new/", views.issue_create_view, name="issue-create"),
    path("issues/export.csv", views.issue_export, name="issue-export"),
    path("issues/ladder/", views.ladder_update_view, name="ladder-update"),
    path("issues/<int:issue_pk>/", views.issue_page, name="issue-page"),
    path("issues/<int:issue_pk>/move/", views.issue_move_view, name="issue-move"),
    # meetings, decisions, actions
    path("meetings/", meeting_views.meeting_list, name="meeting-list"),
    path("meetings/new/", meeting_views.meeting_create_view, name="meeting-create"),
    path("meetings/export.csv", meeting_views.meeting_export, name="meeting-export"),
    path("meetings/<int:meeting_pk>/", meeting_views.meeting_page, name="meeting-page"),
    path(
        "meetings/<int:meeting_pk>/save/",
        meeting_views.meeting_update_view,
        name="meeting-update",
    ),
    path(
        "meetings/<int:meeting_pk>/decisions/new/",
        meeting_views.decision_create_view,
        name="meeting-decision-create",
    ),
    path(
        "meetings/<int:meeting_pk>/decisions/<int:decision_pk>/save/",
        meeting_views.decision_update_view,
        name="meeting-decision-update",
    ),
    path(
        "meetings/<int:meeting_pk>/actions/new/",
        meeting_views.meeting_action_create_view,
        name="meeting-action-create",
    ),
    path("actions/", meeting_views.action_list, name="action-list"),
    path("actions/new/", meeting_views.action_create_view, name="action-create"),
    path("actions/export.csv", meeting_views.action_export, name="action-export"),
    path("actions/<int:action_pk>/", meeting_views.action_page, name="action-page"),
    path("actions/<int:action_pk>/save/", meeting_views.action_update_view, name="action-update"),
    path("actions/<int:action_pk>/done/", meeting_views.action_done_view, name="action-done"),
    # knowledge sharing
    path("knowledge/", views.knowledge_list, name="knowledge-list"),
    path("knowledge/new/", views.knowledge_create_view, name="knowledge-create"),
    path("knowledge/export.csv", views.knowledge_export, name="knowledge-export"),
    path("knowledge/<int:asset_pk>/", views.knowledge_page, name="knowledge-page"),
    path("knowledge/<int:asset_pk>/save/", views.knowledge_update_view, name="knowledge-update"),
    # trust surveys
    path("surveys/", survey_views.survey_list, name="survey-list"),
    path("surveys/new/", survey_views.survey_open_view, name="survey-open"),
    path("surveys/threshold/", survey_views.survey_threshold_view, name="survey-threshold"),
    path("surveys/export.csv", survey_views.survey_export, name="survey-export"),
    path("surveys/<int:survey_pk>/", survey_views.survey_page, name="survey-page"),
    path("surveys/<int:survey_pk>/answer/", survey_views.survey_answer_view, name="survey-answer"),
    path("surveys/<int:survey_pk>/close/", survey_views.survey_close_view, name="survey-close"),
    # maturity reviews
    path("maturity/", maturity_views.review_list, name="maturity-list"),
    path("maturity/new/", maturity_views.review_open_view, name="maturity-open"),
    path("maturity/<int:review_pk>/", maturity_views.review_page, name="maturity-review"),
    path(
        "maturity/<int:review_pk>/answer/",
        maturity_views.review_answer_view,
        name="maturity-answer",
    ),
    path(
        "maturity/<int:review_pk>/submit/",
        maturity_views.review_submit_view,
        name="maturity-submit",
    ),
    path("maturity/<int:review_pk>/pdf/", maturity_views.review_pdf_view, name="maturity-pdf"),
    # the activity feed, and exports made by jobs
    path("activity/", survey_views.activity_page, name="activity"),
    path("exports/", views.export_request_view, name="export-request"),
]

#: The organization's management system (its own, about no relationship in particular).
system_patterns = [
    path("portfolio/", system_views.portfolio, name="portfolio"),
    path("portfolio/place/", system_views.portfolio_place, name="portfolio-place"),
    path("portfolio/criteria/", system_views.portfolio_criteria, name="portfolio-criteria"),
]

urlpatterns = [
    path("o/<slug:org_slug>/relationships/<int:pk>/", include(relationship_patterns)),
    path("o/<slug:org_slug>/", include(system_patterns)),
]
