from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import views
from accounts.forms import ProvedAddressPasswordResetForm

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("standing/", views.standing, name="standing"),
    path("time-zone/", views.time_zone_set, name="time_zone_set"),
    path("language/", views.language_set, name="language_set"),
    path("email/verify/<str:token>/", views.email_verify, name="email_verify"),
    path("email/resend/", views.email_verification_resend, name="email_resend"),
    path("verify/", views.verify_identity, name="verify_identity"),
    path("pledge/", views.pledge, name="pledge"),
    path("sanctions/<int:pk>/appeal/", views.sanction_appeal, name="sanction_appeal"),
    path("verifications/", views.verification_queue, name="verification_queue"),
    path(
        "verifications/<int:pk>/<slug:decision>/",
        views.verification_decide,
        name="verification_decide",
    ),
    path("sanctions/", views.sanctions_desk, name="sanctions_desk"),
    path("sanctions/takedown/", views.account_takedown, name="account_takedown"),
    path("sanctions/always-review/", views.always_review, name="always_review"),
    path(
        "sanctions/<slug:kind>/<int:pk>/<slug:decision>/",
        views.sanctions_decide,
        name="sanctions_decide",
    ),
    path("queue-alert/", views.queue_alert_set, name="queue_alert_set"),
    path("notifications/", views.notifications_page, name="notifications"),
    path("notifications/read/", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("live/waiting/", views.live_waiting, name="live_waiting"),
    path("live/notifications/", views.live_unread, name="live_unread"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/enrol/<str:token>/", views.two_factor_enrol, name="two_factor_enrol"),
    path("two-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path(
        "password_reset/",
        auth_views.PasswordResetView.as_view(form_class=ProvedAddressPasswordResetForm),
        name="password_reset",
    ),
    path("", include("django.contrib.auth.urls")),
]
