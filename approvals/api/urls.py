from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from approvals.api import views

router = SimpleRouter()
router.register("posts", views.PostViewSet, basename="post")
router.register("deliveries", views.DeliveryViewSet, basename="delivery")
router.register("accounts", views.AccountViewSet, basename="account")
router.register("endpoints", views.EndpointViewSet, basename="endpoint")

public = {"permission_classes": [], "authentication_classes": []}

urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/events/", views.EventList.as_view(), name="event-list"),
    path("v1/account-links/", views.ConnectLinkView.as_view(), name="account-link"),
    path("v1/whoami/", views.WhoAmI.as_view(), name="whoami"),
    path("schema/", SpectacularAPIView.as_view(**public), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="schema", template_name="api/docs.html", **public
        ),
        name="docs",
    ),
]
