from django import forms
from django.utils.translation import gettext_lazy as _

from approvals.models import (
    AUTHOR_NOTE_MAX_LENGTH,
    Category,
    Desk,
    NoteTemplate,
    Post,
    ReasonCode,
    Resolution,
    ReviewDecision,
    State,
)


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


class AuthorNoteForm(forms.Form):
    """Submit and resubmit: an optional note from the author to the reviewer."""

    note = forms.CharField(
        label=_("Note to the reviewer (optional)"),
        required=False,
        max_length=AUTHOR_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept with this revision; it cannot be changed later."),
    )


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


class NoteTemplateSelect(forms.Select):
    """Each option carries its template's text (in the reader's language) and reason code,
    for static/js/note_templates.js: picking one fills the note; choosing a reason shows only
    the templates for it."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        template = getattr(value, "instance", None)
        if template is not None:
            option["attrs"]["data-body"] = template.local_body
            option["attrs"]["data-reason"] = (
                template.reason_code.code if template.reason_code_id else ""
            )
        return option


class NoteTemplateField(forms.ModelChoiceField):
    def label_from_instance(self, template: NoteTemplate) -> str:
        if template.reason_code_id is None:
            return template.local_title
        return f"{template.reason_code.local_label}: {template.local_title}"


class WithNoteTemplate(forms.Form):
    """A decision form whose note can start from a template (approvals.NoteTemplate).

    With JavaScript, picking a template fills the note at once. Without it, sending the form
    with a template picked and the note empty puts the template's text into the note and
    shows the form again, to be read and edited before it is sent. The template itself never
    reaches the service (it is not part of `cleaned_data`)."""

    template = NoteTemplateField(
        label=_("Start from a template"),
        queryset=NoteTemplate.objects.filter(active=True).select_related("reason_code"),
        required=False,
        empty_label=_("No template"),
        widget=NoteTemplateSelect(attrs={"data-note-template": ""}),
        help_text=_("Fills the note below; edit it for this post before you send."),
    )

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.template_filled = False
        if data is None:
            return
        chosen = data.get(self.add_prefix("template"))
        note_key = self.add_prefix("note")
        if chosen and str(chosen).isdigit() and not data.get(note_key, "").strip():
            # (Anything but a number is left to the field, which calls it an invalid choice.)
            template = self.fields["template"].queryset.filter(pk=int(chosen)).first()
            if template is not None:
                self.data = data = data.copy()
                data[note_key] = template.local_body
                self.template_filled = True

    def clean(self):
        cleaned = super().clean()
        cleaned.pop("template", None)
        if self.template_filled:
            self.add_error(
                "note",
                _("The template is now in the note: read it, edit it for this post, and send."),
            )
        return cleaned


def _reason_choices():
    return [("", _("Choose a reason…"))] + [
        (r.code, r.local_label) for r in ReasonCode.objects.filter(active=True)
    ]


class RejectForm(WithNoteTemplate, NoteForm):
    reason_code = forms.ChoiceField(
        label=_("Reason"),
        choices=_reason_choices,
        error_messages={"required": _("Choose a reason."), "invalid_choice": _("Choose a reason.")},
    )
    field_order = ["reason_code", "template", "note"]


class RequestChangesForm(WithNoteTemplate, NoteForm):
    field_order = ["template", "note"]


class RevokeForm(WithNoteTemplate, OptionalNoteForm):
    reason_code = forms.ChoiceField(
        label=_("Reason"),
        choices=_reason_choices,
        error_messages={"required": _("Choose a reason."), "invalid_choice": _("Choose a reason.")},
    )
    field_order = ["reason_code", "template", "note"]


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
