from django.urls import path

from approvals.platform import views

urlpatterns = [
    path("onboard/<uidb64>/<token>/", views.OnboardView.as_view(), name="onboard"),
    path("platforms/", views.my_platforms, name="my_platforms"),
    path("platforms/connect/<str:token>/", views.platform_connect, name="platform_connect"),
    path("platforms/<int:pk>/unlink/", views.platform_unlink, name="platform_unlink"),
]
