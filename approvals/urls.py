from django.urls import path

from approvals import oversight_views, quality_views, search_views, views

app_name = "approvals"

urlpatterns = [
    path("posts/", views.my_posts, name="my_posts"),
    path("search/", search_views.search, name="search"),
    path("posts/new/", views.post_new, name="post_new"),
    path("posts/<int:pk>/", views.post_detail, name="post_detail"),
    path("posts/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("posts/<int:pk>/<slug:action>/", views.post_action, name="post_action"),
    path("review/", views.queue, name="queue"),
    path("review/claim-next/", views.claim_next, name="claim_next"),
    path("review/bulk/", views.bulk_action, name="bulk_action"),
    path("review/appeals/", views.appeals, name="appeals"),
    path("review/second/", quality_views.second_review_list, name="second_review_list"),
    path("review/second/<int:pk>/", quality_views.second_review_detail, name="second_review"),
    path(
        "review/second/<int:pk>/<slug:action>/",
        quality_views.second_review_action,
        name="second_review_action",
    ),
    path("review/quality/", quality_views.quality_page, name="quality"),
    path("review/oversight/", oversight_views.dashboard, name="oversight"),
    path(
        "review/oversight/export/decisions.csv",
        oversight_views.export_decisions,
        name="export_decisions",
    ),
    path("review/oversight/export/audit.csv", oversight_views.export_audit, name="export_audit"),
]
