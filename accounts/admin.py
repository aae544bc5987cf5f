from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import Identity, PledgeSignature, PledgeVersion, Sanction, Strike, User
from accounts.services import pledge_publish


@admin.register(User)
class ImprimaturUserAdmin(UserAdmin):
    list_display = ("username", "display_name", "email", "account_type", "is_staff", "is_active")
    list_filter = ("account_type", "is_staff", "is_active", "groups")
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Account", {"fields": ("account_type", "display_name")}),
    )


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin):
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
    readonly_fields = [f.name for f in Identity._meta.fields if f.name != "document_hash"]
    exclude = ("document_hash", "document_salt")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(PledgeVersion)
class PledgeVersionAdmin(admin.ModelAdmin):
    """Publish a new version by adding one; authors must sign it from its effective date."""

    list_display = ("version", "title", "effective_at", "signatures")
    readonly_fields = ("version",)

    @admin.display(description="Signatures")
    def signatures(self, pledge: PledgeVersion) -> int:
        return pledge.signatures.count()

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        new = pledge_publish(clauses=obj.clauses, effective_at=obj.effective_at, title=obj.title)
        obj.pk, obj.version = new.pk, new.version


@admin.register(PledgeSignature)
class PledgeSignatureAdmin(admin.ModelAdmin):
    list_display = ("user", "pledge", "typed_name", "signed_at", "ip_address")
    readonly_fields = ("user", "pledge", "typed_name", "signed_at", "ip_address", "user_agent")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Sanction)
class SanctionAdmin(admin.ModelAdmin):
    """Read-only here: sanctions are applied, lifted and appealed on the Sanctions page."""

    list_display = ("user", "kind", "starts_at", "ends_at", "lifted_at", "appeal_outcome")
    list_filter = ("kind",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Strike)
class StrikeAdmin(admin.ModelAdmin):
    list_display = ("user", "post", "reason_code", "created_at", "expires_at", "removed_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
