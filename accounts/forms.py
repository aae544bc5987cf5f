from django import forms
from django.contrib.auth.forms import PasswordResetForm, UserCreationForm

from accounts import time_zones
from accounts.models import AccountType, DocumentType, SanctionKind, User


class SignUpForm(UserCreationForm):
    display_name = forms.CharField(
        max_length=150, help_text="The name other people see. Your legal name comes later."
    )
    email = forms.EmailField()

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "display_name", "email", "account_type")


class IdentityForm(forms.Form):
    legal_name = forms.CharField(max_length=200, help_text="Exactly as on the document.")
    account_type = forms.ChoiceField(choices=AccountType.choices)
    registration_number = forms.CharField(
        max_length=50, required=False, help_text="Organisations only: company or charity number."
    )
    document_type = forms.ChoiceField(choices=DocumentType.choices)
    issuing_country = forms.CharField(
        max_length=2, min_length=2, help_text="Two-letter code, e.g. GB, FR, KE."
    )
    document_number = forms.CharField(
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="We keep only a salted hash and the last four characters.",
    )


class PledgeSignForm(forms.Form):
    typed_name = forms.CharField(
        label="Type your full legal name to sign", max_length=200, strip=True
    )


class StatementForm(forms.Form):
    statement = forms.CharField(
        label="Why should this change?", widget=forms.Textarea(attrs={"rows": 3})
    )


class DecisionNoteForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class AccountField(forms.CharField):
    """A username, as the account it names."""

    def clean(self, value):
        username = super().clean(value)
        user = User.objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError("No account has that username.")
        return user


def _reason_choices(blank: str):
    from approvals.models import ReasonCode

    return [("", blank)] + [(r.code, r.label) for r in ReasonCode.objects.filter(active=True)]


class SanctionForm(forms.Form):
    username = AccountField(label="Account (username)")
    kind = forms.ChoiceField(choices=SanctionKind.choices)
    days = forms.IntegerField(
        min_value=1, max_value=3650, required=False, help_text="Limitations: how many days."
    )
    reason_code = forms.ChoiceField(label="Reason", required=False)
    pledge_clause = forms.IntegerField(min_value=1, required=False, label="Pledge clause")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    take_down = forms.BooleanField(
        required=False,
        label="Also take down every live post of this account",
        help_text="Each post is revoked (and the platforms told) with the reason above.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason_code"].choices = _reason_choices("—")

    def clean(self):
        data = super().clean()
        if data.get("take_down") and not data.get("reason_code"):
            self.add_error("reason_code", "A takedown needs a reason.")
        return data


class TakedownForm(forms.Form):
    username = AccountField(label="Account (username)")
    reason_code = forms.ChoiceField(label="Reason")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason_code"].choices = _reason_choices("Choose a reason…")


class AlwaysReviewForm(forms.Form):
    username = AccountField(label="Account (username)")
    setting = forms.ChoiceField(
        choices=[("on", "Always review this account's posts"), ("off", "Back to normal")],
        widget=forms.RadioSelect,
        initial="on",
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class SecondFactorForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The 6-digit code your authenticator app shows, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class TimeZoneForm(forms.Form):
    time_zone = forms.ChoiceField(
        label="Show times in",
        required=False,
        help_text="Leave it on your browser's zone, or pick one.",
    )

    def __init__(self, *args, browser_zone: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        browser = f"My browser's ({browser_zone})" if browser_zone else "My browser's"
        self.fields["time_zone"].choices = [("", browser), *time_zones.choices()]


class ProvedAddressPasswordResetForm(PasswordResetForm):
    """Reset links go only to addresses their holders have proved (a mistyped or made-up
    address at sign-up must not become a way into the account)."""

    def get_users(self, email):
        return (u for u in super().get_users(email) if u.email_verified_at is not None)
