"""Account pages: sign-up, identity, pledge, my standing; staff verification queue and the
senior reviewers' sanctions desk. Views call services and show their errors."""

import io
from base64 import b32encode, b64encode
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import i18n as i18n_views
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseStopPolling
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import email, languages, notifications, selectors, services, time_zones
from accounts.forms import (
    AlwaysReviewForm,
    DecisionNoteForm,
    IdentityForm,
    PledgeSignForm,
    QueueAlertForm,
    SanctionForm,
    SecondFactorForm,
    SignUpForm,
    StatementForm,
    TakedownForm,
    TimeZoneForm,
)
from accounts.models import (
    Identity,
    ProposalStatus,
    Sanction,
    SanctionKind,
    SanctionProposal,
    User,
)
from accounts.roles import holds, role_required
from accounts.services import two_factor as two_factor_service
from approvals import enforcement
from approvals import selectors as approval_selectors


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.user_create(
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password1"],
            email=form.cleaned_data["email"],
            display_name=form.cleaned_data["display_name"],
            account_type=form.cleaned_data["account_type"],
            language=request.LANGUAGE_CODE,  # the page they signed up in: their first email too
        )
        email.verification_send(user=user)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request,
            _(
                "Welcome, %(name)s. We have sent a link to %(email)s: open it to confirm "
                "your address. Then verify your identity and sign the pledge to submit news."
            )
            % {"name": user.name, "email": user.email},
        )
        return redirect("standing")
    return render(request, "registration/signup.html", {"form": form})


def _apply(form, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
def standing(request: HttpRequest) -> HttpResponse:
    """Everything about the account holder's own standing, in one place."""
    user = request.user
    pledge = selectors.current_pledge()
    context = {
        "identity": selectors.identity_of(user=user),
        "pledge": pledge,
        "signature": selectors.latest_signature(user=user),
        "signed_current": selectors.has_signed_current_pledge(user=user),
        "standing": selectors.account_standing(user=user),
        "strikes": user.strikes.select_related("post", "reason_code"),
        # A sanction the strike policy proposes, and the strikes behind it, before a senior
        # reviewer decides: the account holder hears of it first here.
        "proposals": user.sanction_proposals.filter(status=ProposalStatus.PROPOSED),
        "active_strikes": selectors.active_strikes(user=user).select_related("post", "reason_code"),
        "sanctions": user.sanctions.select_related("reason_code"),
        "post_appeals": user.posts.filter(appealed_at__isnull=False).order_by("-appealed_at"),
        "appeal_form": StatementForm(),
        "second_factor": two_factor_service.summary(user),
        "time_zone_form": TimeZoneForm(
            initial={"time_zone": user.time_zone},
            browser_zone=time_zones.browser_zone(request),
        ),
        "queue_alert_form": QueueAlertForm(initial={"hours": user.queue_alert_hours})
        if holds(user, "approvals.review_post")
        else None,
    }
    return render(request, "accounts/standing.html", context)


@login_required
@sensitive_post_parameters("document_number")
def verify_identity(request: HttpRequest) -> HttpResponse:
    identity = selectors.identity_of(user=request.user)
    initial = {"legal_name": identity.legal_name, "account_type": request.user.account_type}
    form = IdentityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.identity_submit(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply(form, error)
        else:
            messages.success(request, _("Thank you. Staff will check your identity shortly."))
            return redirect("standing")
    return render(request, "accounts/verify.html", {"form": form, "identity": identity})


@login_required
def pledge(request: HttpRequest) -> HttpResponse:
    current = selectors.current_pledge()
    form = PledgeSignForm(request.POST or None)
    if request.method == "POST" and current is not None and form.is_valid():
        try:
            services.pledge_sign(
                user=request.user,
                pledge=current,
                typed_name=form.cleaned_data["typed_name"],
                ip_address=request.META.get("REMOTE_ADDR"),
                user_agent=request.headers.get("User-Agent", ""),
            )
        except ValidationError as error:
            _apply(form, error)
        else:
            messages.success(
                request, _("Signed: pledge version %(version)s.") % {"version": current.version}
            )
            return redirect("standing")
    context = {
        "pledge": current,
        "form": form,
        "signed": selectors.has_signed_current_pledge(user=request.user),
        "identity": selectors.identity_of(user=request.user),
    }
    return render(request, "accounts/pledge.html", context)


@login_required
@require_POST
def sanction_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    sanction = get_object_or_404(Sanction, pk=pk, user=request.user)
    form = StatementForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({"statement": _("Say why the sanction should change.")})
        services.sanction_appeal(
            sanction=sanction, by=request.user, statement=form.cleaned_data["statement"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Appeal sent. A senior reviewer will decide it."))
    return redirect("standing")


# --- staff --------------------------------------------------------------------------------


@role_required("accounts.verify_identity")
def verification_queue(request: HttpRequest) -> HttpResponse:
    identities = list(selectors.verification_queue())
    for identity in identities:
        identity.same_document = list(services.identities_sharing_document(identity=identity))
    return render(
        request,
        "accounts/verification_queue.html",
        {"identities": identities, "form": DecisionNoteForm()},
    )


@role_required("accounts.verify_identity")
@require_POST
def verification_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    identity = get_object_or_404(Identity, pk=pk)
    try:
        if decision == "approve":
            services.identity_approve(identity=identity, by=request.user)
        elif decision == "reject":
            services.identity_reject(
                identity=identity, by=request.user, note=request.POST.get("note", "")
            )
        else:
            raise ValidationError({"note": _("Unknown decision.")})
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        if decision == "approve":
            done = _("%(name)s: approved.") % {"name": identity.legal_name}
        else:
            done = _("%(name)s: rejected.") % {"name": identity.legal_name}
        messages.success(request, done)
    return redirect("verification_queue")


@role_required("accounts.apply_sanction")
def sanctions_desk(request: HttpRequest) -> HttpResponse:
    form = SanctionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            enforcement.sanction_impose(
                user=data["username"],
                by=request.user,
                kind=data["kind"],
                days=data["days"],
                reason_code=data["reason_code"],
                pledge_clause=data["pledge_clause"],
                note=data["note"],
                take_down=data["take_down"],
            )
        except ValidationError as error:
            _apply(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            names = {"kind": SanctionKind(data["kind"]).label, "name": data["username"].name}
            if data["take_down"]:
                done = (
                    _("%(kind)s applied to %(name)s. Their live posts are being taken down.")
                    % names
                )
            else:
                done = _("%(kind)s applied to %(name)s.") % names
            messages.success(request, done)
            return redirect("sanctions_desk")
    context = {
        "form": form,
        "proposals": selectors.open_proposals(),
        "appeals": Sanction.objects.filter(
            appealed_at__isnull=False, appeal_outcome=""
        ).select_related("user", "decided_by"),
        # Post appeals have their own queue; the desk counts them so none is overlooked.
        "post_appeals": approval_selectors.appeal_queue(user=request.user)
        .values("pk")[:1000]
        .count(),
        "active": Sanction.objects.filter(lifted_at__isnull=True)
        .select_related("user", "reason_code")
        .order_by("-starts_at")[:50],
        "note_form": DecisionNoteForm(),
        "takedown_form": TakedownForm(),
        "always_review_form": AlwaysReviewForm(),
        "always_review": User.objects.filter(always_review=True).order_by("username"),
        "takedowns": enforcement.Takedown.objects.select_related("account", "requested_by")[:20],
    }
    return render(request, "accounts/sanctions_desk.html", context)


@role_required("accounts.apply_sanction")
@require_POST
def account_takedown(request: HttpRequest) -> HttpResponse:
    form = TakedownForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            enforcement.account_takedown(
                account=data["username"],
                by=request.user,
                reason_code=data["reason_code"],
                note=data["note"],
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(
                request,
                _("Taking down every live post of %(name)s.") % {"name": data["username"].name},
            )
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("sanctions_desk")


@role_required("accounts.apply_sanction")
@require_POST
def always_review(request: HttpRequest) -> HttpResponse:
    form = AlwaysReviewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        on = data["setting"] == "on"
        try:
            enforcement.account_set_always_review(
                account=data["username"], by=request.user, on=on, note=data["note"]
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            if on:
                done = _("Every post of %(name)s now goes to review.")
            else:
                done = _("Every post of %(name)s no longer goes to review.")
            messages.success(request, done % {"name": data["username"].name})
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("sanctions_desk")


@role_required("accounts.apply_sanction")
@require_POST
def sanctions_decide(request: HttpRequest, kind: str, pk: int, decision: str) -> HttpResponse:
    """One POST endpoint for the desk's buttons: proposals, appeals and lifting."""
    note = request.POST.get("note", "")
    try:
        if kind == "proposal":
            proposal = get_object_or_404(SanctionProposal, pk=pk)
            if decision == "confirm":
                enforcement.proposal_confirm(proposal=proposal, by=request.user, note=note)
            else:
                services.proposal_dismiss(proposal=proposal, by=request.user, note=note)
        else:
            sanction = get_object_or_404(Sanction, pk=pk)
            if decision == "lift":
                services.sanction_lift(sanction=sanction, by=request.user, note=note)
            else:
                services.sanction_appeal_decide(
                    sanction=sanction, by=request.user, overturn=decision == "overturn", note=note
                )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, _("Done."))
    return redirect("sanctions_desk")


# --- the second factor (staff) -------------------------------------------------------------


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe and target else reverse("home")


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Pass the second factor for this session: an authenticator code or a recovery code."""
    user = request.user
    if not two_factor_service.has_second_factor(user):
        return redirect(f"{reverse('two_factor_setup')}?{urlencode({'next': _next(request)})}")
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor_service.check(user=user, token=form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            if device.name == two_factor_service.RECOVERY:
                left = device.token_set.count()
                two_factor_service.recovery_code_used(user=user, left=left)
                messages.warning(
                    request,
                    ngettext(
                        "Recovery code used; %(left)d left.",
                        "Recovery code used; %(left)d left.",
                        left,
                    )
                    % {"left": left},
                )
            return redirect(_next(request))
        form.add_error("token", _("That code is not valid (or was used already). Try again."))
    return render(request, "accounts/two_factor.html", {"form": form, "next": _next(request)})


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Add an authenticator app: scan, confirm with a code, keep the recovery codes.

    Replacing an existing authenticator needs this session to have passed the second factor
    already, so a stolen password alone cannot swap in the thief's phone."""
    user = request.user
    if two_factor_service.has_second_factor(user):
        if not user.is_verified():
            return redirect(f"{reverse('two_factor')}?{urlencode({'next': _next(request)})}")
    elif not request.session.get(two_factor_service.ENROL_SESSION_KEY):
        # A first second factor: only from the link mailed to the account's address.
        if request.method == "POST" and "send_link" in request.POST:
            two_factor_service.enrolment_send(user=user)
            messages.success(
                request,
                _("We have sent a link to %(email)s. Open it here.") % {"email": user.email},
            )
        return render(request, "accounts/two_factor_enrol.html", {"next": _next(request)})
    form = SecondFactorForm(request.POST or None)
    device_id = request.session.get("two_factor_device")
    device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
    if request.method == "POST" and device is not None and form.is_valid():
        try:
            device, codes = two_factor_service.authenticator_confirm(
                user=user, device_id=device.pk, token=form.cleaned_data["token"]
            )
        except ValueError as error:
            form.add_error("token", str(error))
        else:
            request.session.pop("two_factor_device", None)
            request.session.pop(two_factor_service.ENROL_SESSION_KEY, None)
            otp_login(request, device)
            return render(
                request, "accounts/recovery_codes.html", {"codes": codes, "next": _next(request)}
            )
    if device is None or request.method == "GET":
        device = two_factor_service.authenticator_start(user=user)
        request.session["two_factor_device"] = device.pk
    context = {
        "form": form,
        "next": _next(request),
        "secret": b32encode(device.bin_key).decode(),
        "qr": _qr_data_uri(device.config_url),
    }
    return render(request, "accounts/two_factor_setup.html", context)


@login_required
def two_factor_enrol(request: HttpRequest, token: str) -> HttpResponse:
    """The link mailed for a first second factor: this session may now set one up."""
    if two_factor_service.enrolment_allowed_by(user=request.user, token=token):
        request.session[two_factor_service.ENROL_SESSION_KEY] = True
        return redirect("two_factor_setup")
    messages.error(request, _("This link is not valid for this account, or has expired."))
    return redirect("two_factor_setup")


@login_required
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, for a session that has passed the second factor."""
    if not (request.user.is_verified() and two_factor_service.has_second_factor(request.user)):
        raise PermissionDenied
    codes = two_factor_service.recovery_codes_renew(user=request.user)
    if request.user.otp_device.name == two_factor_service.RECOVERY:  # that device is gone
        otp_login(request, request.user.staticdevice_set.get())
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": ""})


def _qr_data_uri(text: str) -> str:
    import qrcode
    import qrcode.image.svg

    out = io.BytesIO()
    qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage).save(out)
    return "data:image/svg+xml;base64," + b64encode(out.getvalue()).decode()


@login_required
@require_POST
def time_zone_set(request: HttpRequest) -> HttpResponse:
    form = TimeZoneForm(request.POST)
    if form.is_valid():
        services.user_set_time_zone(user=request.user, time_zone=form.cleaned_data["time_zone"])
        zone = form.cleaned_data["time_zone"]
        if zone:
            done = _("Times are now shown in %(zone)s.") % {"zone": zone}
        else:
            done = _("Times are now shown in your browser's zone.")
        messages.success(request, done)
    else:
        messages.error(request, _("Choose a time zone from the list."))
    return redirect("standing")


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """The switch in the navigation. Django's `set_language` checks the language and the
    `next` address and sets the cookie; a signed-in user's choice is also kept on the profile,
    so it follows them to another browser and into their emails."""
    response = i18n_views.set_language(request)
    language = languages.supported(request.POST.get("language"))
    if request.user.is_authenticated and language:
        services.user_set_language(user=request.user, language=language)
    return response


def email_verify(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the verification mail: a page with a button (a GET changes nothing, so
    a mail scanner that follows links confirms nothing); the POST confirms."""
    if request.method != "POST":
        return render(request, "accounts/email_verify.html")
    try:
        user = email.email_verify(token=token)
    except email.BadLink as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Thank you: %(email)s is confirmed.") % {"email": user.email})
    return redirect("standing" if request.user.is_authenticated else "login")


@login_required
@require_POST
def email_verification_resend(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.email_verified_at is not None:
        messages.info(request, _("Your address is already confirmed."))
    elif email.verification_resend(user=user):
        messages.success(
            request, _("A new link is on its way to %(email)s.") % {"email": user.email}
        )
    else:
        messages.error(request, _("A link went out a moment ago; check your inbox (and spam)."))
    return redirect("standing")


@login_required
@require_POST
def queue_alert_set(request: HttpRequest) -> HttpResponse:
    """A reviewer's opt-in email about their desks' oldest waiting post (standing page)."""
    if not holds(request.user, "approvals.review_post"):
        raise PermissionDenied(_("Queue alerts are for reviewers."))
    form = QueueAlertForm(request.POST)
    if form.is_valid():
        hours = form.cleaned_data["hours"]
        notifications.queue_alert_set(user=request.user, hours=hours)
        if hours:
            done = ngettext(
                "We will email you when a post has waited %(hours)d hour on one of your desks.",
                "We will email you when a post has waited %(hours)d hours on one of your desks.",
                hours,
            ) % {"hours": hours}
        else:
            done = _("Queue alerts are off.")
        messages.success(request, done)
    else:
        messages.error(request, " ".join(form.errors.get("hours", [])))
    return redirect(f"{reverse('standing')}#queue-alert")


# --- notifications (in the app) and the navigation's live counts ----------------------------


@login_required
def notifications_page(request: HttpRequest) -> HttpResponse:
    """The holder's own notifications, newest first; unread ones stand out."""
    paginator = Paginator(
        notifications.inbox_of(user=request.user), settings.NOTIFICATIONS_PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    unread = notifications.inbox_unread_count(user=request.user)
    return render(request, "accounts/notifications.html", {"page": page, "unread": unread})


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the holder's notifications read; with `open`, go on to what it is about.
    Someone else's notification is a 404, as if it did not exist."""
    item = get_object_or_404(notifications.inbox_of(user=request.user), pk=pk)
    notifications.inbox_mark_read(user=request.user, notification_id=item.pk)
    if (
        "open" in request.POST
        and item.url
        and url_has_allowed_host_and_scheme(
            item.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return redirect(item.url)
    return redirect(_notifications_back(request))


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    changed = notifications.inbox_mark_read(user=request.user)
    if changed:
        messages.success(
            request,
            ngettext(
                "%(count)d notification marked read.",
                "%(count)d notifications marked read.",
                changed,
            )
            % {"count": changed},
        )
    return redirect("notifications")


def _notifications_back(request: HttpRequest) -> str:
    page = request.POST.get("page", "")
    url = reverse("notifications")
    return f"{url}?page={page}" if page.isdigit() else url


def _live(view):
    """For the navigation's polled fragments: signed out, an htmx poll is told to stop
    (HTTP 286, nothing to swap in) and a browser goes to the login page."""

    @wraps(view)
    def checked(request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated:
            if request.htmx:
                return HttpResponseStopPolling()
            return redirect_to_login(request.get_full_path())
        return view(request)

    return checked


@require_GET
@_live
def live_waiting(request: HttpRequest) -> HttpResponse:
    """The reviewer's waiting count, as a fragment for the navigation; nothing (and no more
    polling) for someone who does not review."""
    count = notifications.waiting_count(user=request.user)
    if count is None:
        return HttpResponseStopPolling()
    context = {"count": count, "cap": notifications.WAITING_CAP}
    return _fragment("includes/live_waiting.html", context)


@require_GET
@_live
def live_unread(request: HttpRequest) -> HttpResponse:
    """The bell: the holder's unread notifications, as a fragment for the navigation."""
    count = notifications.inbox_unread_count(user=request.user)
    context = {"count": count, "cap": notifications.UNREAD_CAP}
    return _fragment("includes/live_unread.html", context)


def _fragment(template: str, context: dict) -> HttpResponse:
    """No context processors (a fragment needs none of what a page does); the browser may
    keep it as long as the server caches the count."""
    response = HttpResponse(render_to_string(template, context))
    patch_cache_control(response, private=True, max_age=int(settings.LIVE_COUNT_CACHE_SECONDS))
    return response
