from django import forms
from django.utils.translation import gettext_lazy as _

from approvals.models import Category, Desk, Post, ReasonCode, Resolution, ReviewDecision, State


class PostForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ["title", "body", "category"]
        widgets = {"body": forms.Textarea(attrs={"rows": 12})}
        help_texts = {
            "category": _(
                "News and current affairs are reviewed before they go out; "
                "other posts are cleared at once unless they read like news."
            ),
        }


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write a note for the author.")},
    )


class OptionalNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ApproveForm(OptionalNoteForm):
    not_before = forms.DateTimeField(
        label=_("Not before (optional)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_(
            "An embargo, in your time zone: the platform is told at once and publishes the post "
            "only after this time. Leave empty to publish at once."
        ),
        error_messages={"invalid": _("Enter a date and time, such as 2026-12-01 09:00.")},
    )


def _reason_choices():
    return [("", _("Choose a reason…"))] + [
        (r.code, r.local_label) for r in ReasonCode.objects.filter(active=True)
    ]


class RejectForm(NoteForm):
    reason_code = forms.ChoiceField(
        label=_("Reason"),
        choices=_reason_choices,
        error_messages={"required": _("Choose a reason."), "invalid_choice": _("Choose a reason.")},
    )
    field_order = ["reason_code", "note"]


class RevokeForm(OptionalNoteForm):
    reason_code = forms.ChoiceField(
        label=_("Reason"),
        choices=_reason_choices,
        error_messages={"required": _("Choose a reason."), "invalid_choice": _("Choose a reason.")},
    )
    field_order = ["reason_code", "note"]


class ReclassifyForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    note = forms.CharField(
        label=_("Why"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the category changes.")},
    )


class EscalateForm(forms.Form):
    note = forms.CharField(
        label=_("Why it needs a senior reviewer"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the post needs a senior reviewer.")},
    )


class AppealForm(forms.Form):
    statement = forms.CharField(
        label=_("Why should the decision change?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say why the decision should change.")},
    )


class QueueFilterForm(forms.Form):
    desk = forms.ModelChoiceField(
        label=_("Desk"), queryset=Desk.objects.none(), required=False, empty_label=_("All")
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("All")), *Category.choices], required=False
    )
    state = forms.ChoiceField(
        label=_("State"),
        choices=[
            ("", _("All")),
            (State.SUBMITTED, _("Waiting")),
            (State.UNDER_REVIEW, _("Under review")),
        ],
        required=False,
    )

    def __init__(self, *args, desks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["desk"].queryset = desks


class SecondReviewForm(forms.Form):
    """The second reviewer's own decision (they do not see the first one)."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=ReviewDecision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a decision.")},
    )
    reason_code = forms.ChoiceField(
        label=_("Reason (for a rejection)"), choices=_reason_choices, required=False
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For the senior reviewer, if your decision differs from the first one."),
    )


class ResolveForm(forms.Form):
    resolution = forms.ChoiceField(
        label=_("Which decision is right?"),
        choices=Resolution.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose which decision is right.")},
    )
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Explain the resolution.")},
    )
    revoke_reason_code = forms.ChoiceField(
        label=_("Take the post down, for this reason"),
        required=False,
        help_text=_("Only when the second reviewer was right that the post should not go out."),
    )

    def __init__(self, *args, can_revoke: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if can_revoke:
            self.fields["revoke_reason_code"].choices = [
                ("", _("Leave it up")),
                *[(r.code, r.local_label) for r in ReasonCode.objects.filter(active=True)],
            ]
        else:
            del self.fields["revoke_reason_code"]
