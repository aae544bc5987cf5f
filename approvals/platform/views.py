"""The account holder's side of platform links: onboarding (set a password on an account a
platform created), allowing a platform to act for an existing account, and removing links."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import email
from accounts.services import user_set_language
from approvals.platform import links


class OnboardView(auth_views.PasswordResetConfirmView):
    """The onboarding link a platform hands to the holder of an account it created: set a
    password (the link then stops working), then verify and sign the pledge."""

    template_name = "accounts/onboard.html"
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("standing")

    def form_valid(self, form):
        response = super().form_valid(form)
        if not form.user.language:  # the page they set their password in: their email's too
            user_set_language(user=form.user, language=self.request.LANGUAGE_CODE)
        email.verification_send(user=form.user)  # the platform gave the address; prove it
        messages.success(
            self.request,
            _(
                "Your password is set. We have sent a link to %(email)s to confirm it. "
                "Verify your identity and sign the pledge to submit news."
            )
            % {"email": form.user.email},
        )
        return response


@login_required
def my_platforms(request: HttpRequest) -> HttpResponse:
    return render(
        request, "accounts/platforms.html", {"links": links.links_of_holder(user=request.user)}
    )


@login_required
def platform_connect(request: HttpRequest, token: str) -> HttpResponse:
    """Allow a platform to submit posts for this account and hear about them."""
    try:
        invitation = links.connect_request(token=token)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("my_platforms")
    if request.method == "POST":
        try:
            links.link_allow(request=invitation, holder=request.user)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(
                request,
                _("%(platform)s may now act for your account.")
                % {"platform": invitation.platform.name},
            )
        return redirect("my_platforms")
    return render(request, "accounts/platform_connect.html", {"invitation": invitation})


@login_required
@require_POST
def platform_unlink(request: HttpRequest, pk: int) -> HttpResponse:
    link = get_object_or_404(links.PlatformAccount, pk=pk, user=request.user)
    links.link_revoke(link=link, by=request.user)
    messages.success(
        request,
        _("%(platform)s can no longer act for your account.") % {"platform": link.platform.name},
    )
    return redirect("my_platforms")
