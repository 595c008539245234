"""Browser URLs of the workspace registers, under a relationship of the acting organization."""

from django.urls import include, path

from governance import views

relationship_patterns = [
    path("risks/", views.risk_list, name="risk-list"),
    path("risks/new/", views.risk_create_view, name="risk-create"),
    path("risks/export.csv", views.risk_export, name="risk-export"),
    path("risks/<int:risk_pk>/", views.risk_page, name="risk-page"),
    path("risks/<int:risk_pk>/save/", views.risk_update_view, name="risk-update"),
    path("issues/", views.issue_list, name="issue-list"),
    path("issues/new/", views.issue_create_view, name="issue-create"),
    path("issues/<int:issue_pk>/", views.issue_page, name="issue-page"),
    path("issues/<int:issue_pk>/move/", views.issue_move_view, name="issue-move"),
    path("knowledge/", views.knowledge_list, name="knowledge-list"),
    path("knowledge/new/", views.knowledge_create_view, name="knowledge-create"),
    path("knowledge/export.csv", views.knowledge_export, name="knowledge-export"),
    path("knowledge/<int:asset_pk>/", views.knowledge_page, name="knowledge-page"),
    path("knowledge/<int:asset_pk>/save/", views.knowledge_update_view, name="knowledge-update"),
]

urlpatterns = [
    path("o/<slug:org_slug>/relationships/<int:pk>/", include(relationship_patterns)),
]
