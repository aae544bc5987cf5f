from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import (
    Identity,
    PledgeSignature,
    PledgeVersion,
    Sanction,
    SanctionProposal,
    Strike,
    User,
)
from accounts.services import pledge_publish


class KeptRecordAdmin(admin.ModelAdmin):
    """Records (decisions about people, the audit chain, deliveries, links): shown, never
    added, changed or deleted here. The services write them; actions may still act on them
    through a service. The page shows Close, not Save."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(User)
class ImprimaturUserAdmin(UserAdmin):
    list_display = ("username", "display_name", "email", "account_type", "is_staff", "is_active")
    list_filter = ("account_type", "is_staff", "is_active", "groups")
    fieldsets = (
        *UserAdmin.fieldsets,
        (_("Account"), {"fields": ("account_type", "display_name", "always_review")}),
    )
    readonly_fields = ("always_review",)  # set by a senior reviewer, with a note, on Sanctions


@admin.register(Identity)
class IdentityAdmin(KeptRecordAdmin):
    """Read-only: decisions are taken on the verification queue page."""

    list_display = (
        "user",
        "legal_name",
        "state",
        "document_type",
        "issuing_country",
        "submitted_at",
    )
    list_filter = ("state", "document_type")
    search_fields = ("legal_name", "user__username")
    exclude = ("document_hash",)


class PledgeVersionForm(forms.ModelForm):
    class Meta:
        model = PledgeVersion
        fields = ["title", "title_zh_hans", "clauses", "clauses_zh_hans", "effective_at"]

    def clean(self):
        data = super().clean()
        count = len(PledgeVersion(clauses=data.get("clauses", "")).clause_list)
        translated = PledgeVersion(clauses=data.get("clauses_zh_hans", "")).clause_list
        if translated and len(translated) != count:
            self.add_error(
                "clauses_zh_hans", _("The translation must have as many clauses as the text.")
            )
        return data


@admin.register(PledgeVersion)
class PledgeVersionAdmin(admin.ModelAdmin):
    """Publish a new version by adding one; authors must sign it from its effective date."""

    list_display = ("version", "title", "effective_at", "signatures")
    readonly_fields = ("version",)

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None  # add a new version; what was signed is never changed

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("Signatures"))
    def signatures(self, pledge: PledgeVersion) -> int:
        return pledge.signatures.count()

    form = PledgeVersionForm

    def save_model(self, request, obj, form, change):
        new = pledge_publish(
            clauses=obj.clauses,
            effective_at=obj.effective_at,
            title=obj.title,
            clauses_zh_hans=obj.clauses_zh_hans,
            title_zh_hans=obj.title_zh_hans,
        )
        obj.pk, obj.version = new.pk, new.version


@admin.register(PledgeSignature)
class PledgeSignatureAdmin(KeptRecordAdmin):
    list_display = ("user", "pledge", "typed_name", "signed_at", "ip_address")


@admin.register(Sanction)
class SanctionAdmin(KeptRecordAdmin):
    """Sanctions are applied, lifted and appealed on the Sanctions page."""

    list_display = ("user", "kind", "starts_at", "ends_at", "lifted_at", "appeal_outcome")
    list_filter = ("kind",)


@admin.register(SanctionProposal)
class SanctionProposalAdmin(KeptRecordAdmin):
    list_display = ("user", "kind", "active_strikes", "status", "created_at", "decided_by")
    list_filter = ("status", "kind")


@admin.register(Strike)
class StrikeAdmin(KeptRecordAdmin):
    list_display = ("user", "post", "reason_code", "created_at", "expires_at", "removed_at")
