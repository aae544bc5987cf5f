from django import forms
from django.contrib.auth.forms import PasswordResetForm, UserCreationForm
from django.db.models.fields import BLANK_CHOICE_DASH
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from accounts import time_zones
from accounts.languages import speaking_to
from accounts.models import AccountType, DocumentType, SanctionKind, User


class SignUpForm(UserCreationForm):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=150,
        help_text=_("The name other people see. Your legal name comes later."),
    )
    email = forms.EmailField(label=_("Email"))

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "display_name", "email", "account_type")


class IdentityForm(forms.Form):
    legal_name = forms.CharField(
        label=_("Legal name"), max_length=200, help_text=_("Exactly as on the document.")
    )
    account_type = forms.ChoiceField(label=_("Account type"), choices=AccountType.choices)
    registration_number = forms.CharField(
        label=_("Registration number"),
        max_length=50,
        required=False,
        help_text=_("Organisations only: company or charity number."),
    )
    document_type = forms.ChoiceField(label=_("Document type"), choices=DocumentType.choices)
    issuing_country = LazyTypedChoiceField(
        label=_("Issuing country"),
        choices=BLANK_CHOICE_DASH + list(countries),
        help_text=_("The country that issued the document."),
        error_messages={
            "invalid_choice": _("Choose the country that issued the document."),
            "required": _("Choose the country that issued the document."),
        },
    )
    document_number = forms.CharField(
        label=_("Document number"),
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("We keep only a salted hash and the last four characters."),
    )

    def clean(self):
        data = super().clean()
        # Said here too (the service decides), so the holder sees every mistake at once.
        if (
            data.get("account_type") == AccountType.ORGANISATION
            and not data.get("registration_number", "").strip()
        ):
            self.add_error(
                "registration_number", _("Organisations give their registration number.")
            )
        return data


class PledgeSignForm(forms.Form):
    typed_name = forms.CharField(
        label=_("Type your full legal name to sign"), max_length=200, strip=True
    )


class StatementForm(forms.Form):
    statement = forms.CharField(
        label=_("Why should this change?"), widget=forms.Textarea(attrs={"rows": 3})
    )


class DecisionNoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))


class AccountField(forms.CharField):
    """A username, as the account it names."""

    def clean(self, value):
        username = super().clean(value)
        user = User.objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(gettext("No account has that username."))
        return user


def _reason_choices(blank: str):
    from approvals.models import ReasonCode

    return [("", blank)] + [(r.code, r.local_label) for r in ReasonCode.objects.filter(active=True)]


class SanctionForm(forms.Form):
    username = AccountField(label=_("Account (username)"))
    kind = forms.ChoiceField(label=_("Kind"), choices=SanctionKind.choices)
    days = forms.IntegerField(
        label=_("Days"),
        min_value=1,
        max_value=3650,
        required=False,
        help_text=_("Limitations: how many days."),
    )
    reason_code = forms.ChoiceField(label=_("Reason"), required=False)
    pledge_clause = forms.IntegerField(min_value=1, required=False, label=_("Pledge clause"))
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))
    take_down = forms.BooleanField(
        required=False,
        label=_("Also take down every live post of this account"),
        help_text=_("Each post is revoked (and the platforms told) with the reason above."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason_code"].choices = _reason_choices("—")

    def clean(self):
        data = super().clean()
        if data.get("take_down") and not data.get("reason_code"):
            self.add_error("reason_code", gettext("A takedown needs a reason."))
        return data


class TakedownForm(forms.Form):
    username = AccountField(label=_("Account (username)"))
    reason_code = forms.ChoiceField(label=_("Reason"))
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason_code"].choices = _reason_choices(gettext("Choose a reason…"))


class AlwaysReviewForm(forms.Form):
    username = AccountField(label=_("Account (username)"))
    setting = forms.ChoiceField(
        label=_("Setting"),
        choices=[
            ("on", _("Always review this account's posts")),
            ("off", _("Back to normal")),
        ],
        widget=forms.RadioSelect,
        initial="on",
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))


class SecondFactorForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_(
            "The 6-digit code your authenticator app shows, or one of your recovery codes."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class TimeZoneForm(forms.Form):
    time_zone = forms.ChoiceField(
        label=_("Show times in"),
        required=False,
        help_text=_("Leave it on your browser's zone, or pick one."),
    )

    def __init__(self, *args, browser_zone: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if browser_zone:
            browser = gettext("My browser's (%(zone)s)") % {"zone": browser_zone}
        else:
            browser = gettext("My browser's")
        self.fields["time_zone"].choices = [("", browser), *time_zones.choices()]


class QueueAlertForm(forms.Form):
    hours = forms.IntegerField(
        label=_("Email me when a post has waited this many hours"),
        min_value=0,
        max_value=24 * 30,
        help_text=_(
            "On any of your desks, counted from submission. One email per desk, until that "
            "desk catches up again. 0: never."
        ),
    )


class ProvedAddressPasswordResetForm(PasswordResetForm):
    """Reset links go only to addresses their holders have proved (a mistyped or made-up
    address at sign-up must not become a way into the account)."""

    def get_users(self, email):
        return (u for u in super().get_users(email) if u.email_verified_at is not None)

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        """In the holder's language, whoever asked for the link and in whatever language."""
        with speaking_to(context["user"]):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)
