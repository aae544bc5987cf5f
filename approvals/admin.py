from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from guardian.admin import GuardedModelAdmin

from approvals import services
from approvals.exceptions import ServiceError
from approvals.models import AuditEntry, CategoryRoute, Desk, Post, ReasonCode, Revision, State


@admin.register(Desk)
class DeskAdmin(GuardedModelAdmin):
    """Reviewers are assigned on a desk's "Object permissions" page (review_desk)."""

    list_display = ("name", "slug", "reviewers")
    prepopulated_fields = {"slug": ("name",)}

    @admin.display(description="Reviewers")
    def reviewers(self, desk: Desk) -> str:
        rows = desk.deskuserobjectpermission_set.select_related("user")
        return ", ".join(sorted(row.user.name for row in rows)) or "—"


@admin.register(CategoryRoute)
class CategoryRouteAdmin(admin.ModelAdmin):
    list_display = ("category", "desk")


@admin.register(ReasonCode)
class ReasonCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "label", "is_violation", "active")
    list_editable = ("active",)


class RevisionInline(admin.TabularInline):
    model = Revision
    fields = ("number", "title", "content_hash", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class AuditInline(admin.TabularInline):
    model = AuditEntry
    fields = ("created_at", "action", "actor", "from_state", "to_state", "reason_code", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    """Read-mostly. Only the desk may be changed, and only while the post waits in a queue;
    every state change goes through approvals.services."""

    list_display = ("title", "author", "category", "desk", "state", "submitted_at")
    list_filter = ("state", "category", "desk")
    search_fields = ("title", "author__username", "author__display_name")
    list_select_related = ("author", "desk")
    readonly_fields = (
        "author",
        "title",
        "body",
        "category",
        "repost_of",
        "state",
        "current_revision",
        "claimed_by",
        "claimed_at",
        "decided_by",
        "decided_at",
        "reason_code",
        "decision_note",
        "appealed_at",
        "appeal_statement",
        "submitted_at",
        "created_at",
        "updated_at",
    )
    inlines = [RevisionInline, AuditInline]
    actions = ["release_claims"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.state not in (State.DRAFT, State.SUBMITTED):
            return (*self.readonly_fields, "desk")
        return self.readonly_fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Release the claim on the selected posts")
    def release_claims(self, request, queryset):
        for post in queryset.filter(state=State.UNDER_REVIEW):
            try:
                services.post_release(post=post, by=request.user)
            except (ServiceError, PermissionDenied, ValidationError) as error:
                self.message_user(request, f"{post}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{post}: released.", messages.SUCCESS)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "post", "action", "actor", "from_state", "to_state")
    list_filter = ("action", "to_state")
    list_select_related = ("post", "actor")
    search_fields = ("post__title",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
