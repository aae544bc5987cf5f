from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from guardian.admin import GuardedModelAdmin

from approvals import services
from approvals.exceptions import ServiceError
from approvals.models import (
    ApiKey,
    Attempt,
    AuditEntry,
    CategoryRoute,
    Delivery,
    Desk,
    Endpoint,
    Platform,
    Post,
    ReasonCode,
    Revision,
    State,
)
from approvals.platform import services as platform_services
from approvals.platform.endpoint_urls import validate_endpoint_url


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


# --- the platform side --------------------------------------------------------------------


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    fields = ("name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ("name", "active", "created_at")
    inlines = [ApiKeyInline]
    actions = ["create_api_key"]

    @admin.action(description="Create an API key (shown once)")
    def create_api_key(self, request, queryset):
        for platform in queryset:
            new = platform_services.api_key_create(platform=platform, name="admin")
            self.message_user(
                request,
                f"{platform}: new API key {new.key} — copy it now; it is not shown again.",
                messages.WARNING,
            )


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "platform", "name", "created_at", "revoked_at")
    list_filter = ("platform",)
    readonly_fields = ("platform", "name", "prefix", "key_hash", "created_at", "revoked_at")
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False  # keys are made by the Platform action or `manage.py platform_create`

    @admin.action(description="Revoke the selected keys (takes effect at once)")
    def revoke(self, request, queryset):
        for api_key in queryset:
            platform_services.api_key_revoke(api_key=api_key)
        self.message_user(request, f"Revoked {queryset.count()} key(s).", messages.SUCCESS)


class EndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")

    class Meta:
        model = Endpoint
        fields = ("platform", "url", "description", "event_types")

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            validate_endpoint_url(url)
        except ValidationError as error:
            raise ValidationError(error.message_dict["url"]) from error
        return url


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    """Endpoints and their health. Secrets are shown once, when made or rotated."""

    form = EndpointForm
    list_display = (
        "url",
        "platform",
        "health",
        "last_success_at",
        "failure_streak",
        "failing_since",
    )
    list_filter = ("platform", "active")
    readonly_fields = (
        "active",
        "disabled_reason",
        "disabled_at",
        "last_success_at",
        "failing_since",
        "failure_streak",
    )
    actions = ["rotate_secret", "enable"]

    @admin.display(description="Health")
    def health(self, endpoint: Endpoint) -> str:
        if not endpoint.active:
            return f"Disabled: {endpoint.disabled_reason}"
        if endpoint.failure_streak:
            return f"Failing ({endpoint.failure_streak} in a row)"
        return "Healthy" if endpoint.last_success_at else "No deliveries yet"

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        new = platform_services.endpoint_create(
            platform=obj.platform,
            url=obj.url,
            event_types=obj.event_types,
            description=obj.description,
        )
        obj.pk = new.endpoint.pk
        self.message_user(
            request,
            f"Signing secret {new.secret} — give it to the receiver now; it is not shown again.",
            messages.WARNING,
        )

    @admin.action(description="Rotate the signing secret (old one valid for the overlap)")
    def rotate_secret(self, request, queryset):
        for endpoint in queryset:
            secret = platform_services.endpoint_rotate_secret(endpoint=endpoint)
            self.message_user(request, f"{endpoint}: new secret {secret}", messages.WARNING)

    @admin.action(description="Re-enable the selected endpoints")
    def enable(self, request, queryset):
        for endpoint in queryset:
            platform_services.endpoint_enable(endpoint=endpoint)
        self.message_user(request, "Re-enabled. Redeliver what they missed.", messages.SUCCESS)


class AttemptInline(admin.TabularInline):
    model = Attempt
    fields = ("number", "started_at", "status_code", "latency_ms", "error", "response_excerpt")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Every delivery with its attempts. Filter by status and date, select, redeliver."""

    list_display = (
        "id",
        "event_type",
        "endpoint",
        "status",
        "attempt_count",
        "last_status_code",
        "next_attempt_at",
        "created_at",
    )
    list_filter = ("status", "endpoint__platform", "event__type")
    date_hierarchy = "created_at"
    list_select_related = ("event", "endpoint")
    readonly_fields = (
        "event",
        "endpoint",
        "status",
        "attempt_count",
        "next_attempt_at",
        "leased_until",
        "delivered_at",
        "last_status_code",
        "last_error",
        "created_at",
    )
    inlines = [AttemptInline]
    actions = ["redeliver"]

    @admin.display(description="Event")
    def event_type(self, delivery: Delivery) -> str:
        return delivery.event.type

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Redeliver the selected deliveries")
    def redeliver(self, request, queryset):
        count = platform_services.deliveries_redeliver(deliveries=queryset)
        self.message_user(request, f"Queued {count} deliveries again.", messages.SUCCESS)
