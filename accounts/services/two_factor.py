"""The second factor that staff accounts need (django-otp): an authenticator app (TOTP) and
single-use recovery codes.

Who needs it is `second_factor_required`; `config.middleware.SecondFactorMiddleware` holds
every page (admin included) until the session has passed it. django-otp's devices throttle
wrong codes themselves (each failure doubles the wait), and a TOTP code is accepted once.
"""

import secrets

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.languages import for_user, speaking_to
from accounts.models import User
from accounts.roles import is_staff_account

AUTHENTICATOR = "Authenticator app"
RECOVERY = "Recovery codes"
RECOVERY_CODE_COUNT = 10


def second_factor_required(user) -> bool:
    return bool(
        settings.TWO_FACTOR_REQUIRED_FOR_STAFF and user.is_authenticated and is_staff_account(user)
    )


def has_second_factor(user) -> bool:
    """An authenticator, or recovery codes that are not all used up."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return True
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).exists()


# --- first enrolment ---------------------------------------------------------------------
# A staff member with no second factor yet must not be able to enrol one with the password
# alone (whoever holds a stolen password would enrol their own phone first). Enrolment starts
# from a signed link mailed to the account's proved address, valid for an hour; opening it
# marks this session as allowed to enrol.

ENROL_SALT = "imprimatur.second-factor-enrolment"
ENROL_SESSION_KEY = "two_factor_enrol"


def _enrolment_claim(user) -> dict:
    """Who the link is for, as they are now: a new address or password voids it. The password
    enters only as a keyed digest (the token is signed, not encrypted: anyone can read it)."""
    digest = salted_hmac(ENROL_SALT, user.password, algorithm="sha256").hexdigest()[:32]
    return {"user": user.pk, "email": user.email, "password": digest}


def enrolment_link(user) -> str:
    payload = _enrolment_claim(user)
    token = signing.dumps(payload, salt=ENROL_SALT, compress=True)
    return f"{settings.SITE_URL}{reverse('two_factor_enrol', args=[token])}"


@transaction.atomic
def enrolment_send(*, user) -> None:
    from accounts.notifications import notify_address_on_commit

    with speaking_to(user):
        notify_address_on_commit(
            to=user.email,
            subject=_("Set up your second factor"),
            template="two_factor_enrol",
            context={"name": user.name, "link": enrolment_link(user)},
            language=for_user(user),
        )


def enrolment_allowed_by(*, user, token: str) -> bool:
    """Is this the link we mailed to this user, for their current address and password,
    within the hour?"""
    try:
        data = signing.loads(token, salt=ENROL_SALT, max_age=3600)
    except signing.BadSignature:
        return False
    return data == _enrolment_claim(user)


def _tell(user, subject: str, what: str) -> None:
    """A staff member hears of every change to their second factor (and every recovery code
    used), so a change they did not make does not go unnoticed."""
    from accounts.notifications import notify_on_commit

    with speaking_to(user):
        notify_on_commit(
            user=user,
            subject=str(subject),
            template="two_factor_changed",
            context={"what": str(what)},
        )


def summary(user) -> dict | None:
    """For a staff member's own page: is a second factor set up, and how many recovery codes
    are left. None for accounts that need none."""
    if not is_staff_account(user):
        return None
    recovery = StaticDevice.objects.filter(user=user, name=RECOVERY).first()
    return {
        "active": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        "codes_left": recovery.token_set.count() if recovery else 0,
    }


@transaction.atomic
def authenticator_start(*, user) -> TOTPDevice:
    """A new, unconfirmed authenticator for the user to scan; any earlier unconfirmed one
    goes. It counts only once confirmed with a code it produced."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)


@transaction.atomic
def authenticator_confirm(*, user, device_id: int, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator the user scanned with a code from it; it replaces any
    earlier one, and a fresh set of recovery codes comes with it. Returns the device and the
    codes (shown once). A wrong code is a ValueError."""
    device = TOTPDevice.objects.select_for_update().get(pk=device_id, user=user, confirmed=False)
    if not device.verify_token(_digits(token)):
        raise ValueError(_("That code does not match. Check the time on your phone and try again."))
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    _tell(
        user,
        gettext_lazy("A new authenticator app"),
        gettext_lazy("A new authenticator app was set up for your account."),
    )
    return device, recovery_codes_renew(user=user)


@transaction.atomic
def recovery_codes_renew(*, user) -> list[str]:
    """Ten new single-use recovery codes on a new device: the old codes stop working, and so
    does every session that got in with one of them. The account's row is locked, so two
    renewals at once leave one device."""
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).get()
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY, confirmed=True)
    codes = [_recovery_code() for _i in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_code_used(*, user, left: int) -> None:
    _tell(
        user,
        gettext_lazy("A recovery code was used"),
        ngettext_lazy(
            "A recovery code was used to sign in; %(left)d left.",
            "A recovery code was used to sign in; %(left)d left.",
            "left",
        )
        % {"left": left},
    )


def check(*, user, token: str):
    """The confirmed device that accepts this code (and has now used it up), or None."""
    cleaned = "".join(token.split()).lower()
    if cleaned.replace("-", "").isdigit():  # an authenticator code, maybe typed "123-456"
        cleaned = _digits(cleaned)
    elif len(cleaned) == 10:  # a recovery code typed without its dash
        cleaned = f"{cleaned[:5]}-{cleaned[5:]}"
    return match_token(user, cleaned) if cleaned else None


def _digits(token: str) -> str:
    return "".join(ch for ch in token if ch.isdigit())


def _recovery_code() -> str:
    # Two groups of five from an alphabet without look-alikes: ~50 bits, easy to type.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    word = "".join(secrets.choice(alphabet) for _i in range(10))
    return f"{word[:5]}-{word[5:]}"
