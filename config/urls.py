from django.contrib import admin
from django.urls import include, path

from approvals import views
from approvals.health import Healthz
from approvals.metrics import metrics_view

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", Healthz.as_view(), name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("accounts/", include("approvals.platform.urls")),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("approvals.api.urls")),
    path("", include("approvals.urls")),
]

handler404 = "approvals.api.errors.not_found"
handler500 = "approvals.api.errors.server_error"
