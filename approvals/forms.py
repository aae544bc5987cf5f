from django import forms

from approvals.models import Category, Desk, Post, ReasonCode, State


class PostForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ["title", "body", "category"]
        widgets = {"body": forms.Textarea(attrs={"rows": 12})}
        help_texts = {
            "category": "News and current affairs are reviewed before they go out; "
            "other posts are cleared at once unless they read like news.",
        }


class NoteForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write a note for the author."},
    )


class OptionalNoteForm(forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


def _reason_choices():
    return [("", "Choose a reason…")] + [
        (r.code, r.label) for r in ReasonCode.objects.filter(active=True)
    ]


class RejectForm(NoteForm):
    reason_code = forms.ChoiceField(
        label="Reason",
        choices=_reason_choices,
        error_messages={"required": "Choose a reason.", "invalid_choice": "Choose a reason."},
    )
    field_order = ["reason_code", "note"]


class RevokeForm(OptionalNoteForm):
    reason_code = forms.ChoiceField(
        label="Reason",
        choices=_reason_choices,
        error_messages={"required": "Choose a reason.", "invalid_choice": "Choose a reason."},
    )
    field_order = ["reason_code", "note"]


class ReclassifyForm(forms.Form):
    category = forms.ChoiceField(choices=Category.choices)
    note = forms.CharField(
        label="Why",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why the category changes."},
    )


class AppealForm(forms.Form):
    statement = forms.CharField(
        label="Why should the decision change?",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say why the decision should change."},
    )


class QueueFilterForm(forms.Form):
    desk = forms.ModelChoiceField(queryset=Desk.objects.none(), required=False, empty_label="All")
    category = forms.ChoiceField(choices=[("", "All"), *Category.choices], required=False)
    state = forms.ChoiceField(
        choices=[
            ("", "All"),
            (State.SUBMITTED, "Waiting"),
            (State.UNDER_REVIEW, "Under review"),
            (State.APPEALED, "Appealed"),
        ],
        required=False,
    )

    def __init__(self, *args, desks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["desk"].queryset = desks
