from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.admin import GuardedModelAdmin

from accounts.admin import KeptRecordAdmin
from approvals import screening, services
from approvals.exceptions import ServiceError
from approvals.models import (
    ApiKey,
    Attempt,
    AuditEntry,
    CategoryRoute,
    Delivery,
    Desk,
    Endpoint,
    NewsSource,
    NoteTemplate,
    Platform,
    PlatformAccount,
    Post,
    ReasonCode,
    Revision,
    State,
    Takedown,
    WatchedTerm,
)
from approvals.platform import links
from approvals.platform import services as platform_services
from approvals.platform.endpoint_urls import validate_endpoint_url


@admin.register(Desk)
class DeskAdmin(GuardedModelAdmin):
    """Reviewers are assigned on a desk's "Object permissions" page (review_desk)."""

    list_display = ("name", "slug", "reviewers")
    prepopulated_fields = {"slug": ("name",)}

    @admin.display(description=gettext_lazy("Reviewers"))
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


@admin.register(NoteTemplate)
class NoteTemplateAdmin(admin.ModelAdmin):
    """Ready-made notes reviewers start from (reject, request changes, take down)."""

    list_display = ("title", "title_zh_hans", "reason_code", "active")
    list_editable = ("active",)
    list_filter = ("active", "reason_code")
    list_select_related = ("reason_code",)
    search_fields = ("title", "title_zh_hans", "body", "body_zh_hans")
    fields = ("reason_code", "title", "title_zh_hans", "body", "body_zh_hans", "active")


class RevisionInline(admin.TabularInline):
    model = Revision
    fields = ("number", "title", "content_hash", "author_note", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class AuditInline(admin.TabularInline):
    model = AuditEntry
    fk_name = "post"
    fields = (
        "seq",
        "created_at",
        "action",
        "actor",
        "from_state",
        "to_state",
        "reason_code",
        "note",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class MoveDeskForm(ActionForm):
    desk = forms.ModelChoiceField(
        queryset=Desk.objects.all(), required=False, label=gettext_lazy("Desk")
    )
    note = forms.CharField(required=False, label=gettext_lazy("Why"))


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
        "not_before",
        "appealed_at",
        "appealed_from",
        "appeal_statement",
        "revoked_by",
        "revoked_at",
        "submitted_at",
        "created_at",
        "updated_at",
    )
    inlines = [RevisionInline, AuditInline]

    readonly_fields = (*readonly_fields, "desk")  # moved only by the action, audited
    action_form = MoveDeskForm
    actions = ["release_claims", "move_to_desk"]

    def get_queryset(self, request):
        # Drafts are their author's alone until submitted, operators included.
        return super().get_queryset(request).filter(submitted_at__isnull=False)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(
        description=gettext_lazy("Move the selected waiting posts to the desk chosen above")
    )
    def move_to_desk(self, request, queryset):
        desk = Desk.objects.filter(pk=request.POST.get("desk") or None).first()
        note = request.POST.get("note", "")
        if desk is None:
            self.message_user(request, _("Choose a desk to move them to."), messages.ERROR)
            return
        for post in queryset:
            try:
                services.post_move_desk(post=post, by=request.user, desk=desk, note=note)
            except (ServiceError, PermissionDenied, ValidationError) as error:
                text = " ".join(getattr(error, "messages", [str(error)]))
                self.message_user(request, _failed(post, text), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(post)s: moved to %(desk)s.") % {"post": post, "desk": desk},
                    messages.SUCCESS,
                )

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=gettext_lazy("Release the claim on the selected posts"))
    def release_claims(self, request, queryset):
        for post in queryset.filter(state=State.UNDER_REVIEW):
            try:
                services.post_release(post=post, by=request.user)
            except (ServiceError, PermissionDenied, ValidationError) as error:
                self.message_user(request, _failed(post, error), messages.ERROR)
            else:
                self.message_user(
                    request, _("%(post)s: released.") % {"post": post}, messages.SUCCESS
                )


def _failed(post: Post, error) -> str:
    # Translators: an admin action failed on one post: the post's title, then why.
    return _("%(post)s: %(error)s") % {"post": post, "error": error}


@admin.register(AuditEntry)
class AuditEntryAdmin(KeptRecordAdmin):
    """The audit chain, read-only. `manage.py audit_verify` checks it end to end."""

    list_display = ("seq", "created_at", "action", "actor", "post_ref", "account", "to_state")
    list_filter = ("action", "to_state")
    list_select_related = ("actor", "account")
    search_fields = ("=post__id", "account__username", "actor__username")
    # Posts by number only: a draft's title is its author's alone.
    exclude = ("post",)
    readonly_fields = ("post_ref",)

    @admin.display(description=gettext_lazy("Post"))
    def post_ref(self, entry: AuditEntry) -> str:
        return f"#{entry.post_id}" if entry.post_id else "—"


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

    @admin.action(description=gettext_lazy("Create an API key (shown once)"))
    def create_api_key(self, request, queryset):
        for platform in queryset:
            new = platform_services.api_key_create(platform=platform, name="admin")
            self.message_user(
                request,
                _("%(platform)s: new API key %(key)s — copy it now; it is not shown again.")
                % {"platform": platform, "key": new.key},
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

    @admin.action(description=gettext_lazy("Revoke the selected keys (takes effect at once)"))
    def revoke(self, request, queryset):
        for api_key in queryset:
            platform_services.api_key_revoke(api_key=api_key)
        self.message_user(
            request,
            _("Revoked %(count)d key(s).") % {"count": queryset.count()},
            messages.SUCCESS,
        )


class EndpointForm(forms.ModelForm):
    url = forms.URLField(label=gettext_lazy("URL"), max_length=500, assume_scheme="https")

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

    @admin.display(description=gettext_lazy("Health"))
    def health(self, endpoint: Endpoint) -> str:
        if not endpoint.active:
            return _("Disabled: %(reason)s") % {"reason": endpoint.disabled_reason}
        if endpoint.failure_streak:
            return _("Failing (%(count)d in a row)") % {"count": endpoint.failure_streak}
        return _("Healthy") if endpoint.last_success_at else _("No deliveries yet")

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
            _("Signing secret %(secret)s — give it to the receiver now; it is not shown again.")
            % {"secret": new.secret},
            messages.WARNING,
        )

    @admin.action(
        description=gettext_lazy("Rotate the signing secret (old one valid for the overlap)")
    )
    def rotate_secret(self, request, queryset):
        for endpoint in queryset:
            secret = platform_services.endpoint_rotate_secret(endpoint=endpoint)
            self.message_user(
                request,
                _("%(endpoint)s: new secret %(secret)s") % {"endpoint": endpoint, "secret": secret},
                messages.WARNING,
            )

    @admin.action(description=gettext_lazy("Re-enable the selected endpoints"))
    def enable(self, request, queryset):
        for endpoint in queryset:
            platform_services.endpoint_enable(endpoint=endpoint)
        self.message_user(request, _("Re-enabled. Redeliver what they missed."), messages.SUCCESS)


class AttemptInline(admin.TabularInline):
    model = Attempt
    fields = ("number", "started_at", "status_code", "latency_ms", "error", "response_excerpt")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(KeptRecordAdmin):
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

    @admin.display(description=gettext_lazy("Event"))
    def event_type(self, delivery: Delivery) -> str:
        return delivery.event.type

    @admin.action(description=gettext_lazy("Redeliver the selected deliveries"))
    def redeliver(self, request, queryset):
        count = platform_services.deliveries_redeliver(deliveries=queryset)
        self.message_user(
            request, _("Queued %(count)d deliveries again.") % {"count": count}, messages.SUCCESS
        )


@admin.register(PlatformAccount)
class PlatformAccountAdmin(KeptRecordAdmin):
    """Which platform may act for which account. Made by the API or by the holder."""

    list_display = ("platform", "user", "platform_user_id", "origin", "created_at", "revoked_at")
    list_filter = ("platform", "origin")
    search_fields = ("user__username", "platform_user_id")
    list_select_related = ("platform", "user")
    actions = ["unlink"]

    @admin.action(
        description=gettext_lazy("Unlink: the platform may no longer act for these accounts")
    )
    def unlink(self, request, queryset):
        for link in queryset.filter(revoked_at__isnull=True):
            links.link_revoke(link=link, by=None)
        self.message_user(request, _("Unlinked."), messages.SUCCESS)


# --- screening ----------------------------------------------------------------------------


class ScreeningDataAdmin(admin.ModelAdmin):
    """Changes apply in this process at once and in the others within
    SCREENING_CACHE_SECONDS."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        screening.forget_matcher()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        screening.forget_matcher()


@admin.register(WatchedTerm)
class WatchedTermAdmin(ScreeningDataAdmin):
    list_display = ("term", "language", "weight", "active", "note")
    list_filter = ("language", "active")
    list_editable = ("weight", "active")
    search_fields = ("term", "note")


@admin.register(NewsSource)
class NewsSourceAdmin(ScreeningDataAdmin):
    list_display = ("domain", "weight", "active")
    list_editable = ("weight", "active")
    search_fields = ("domain",)


@admin.register(Takedown)
class TakedownAdmin(KeptRecordAdmin):
    list_display = (
        "account",
        "requested_by",
        "reason_code",
        "revoked_count",
        "created_at",
        "finished_at",
    )
    readonly_fields = (
        "account",
        "requested_by",
        "reason_code",
        "note",
        "revoked_count",
        "created_at",
        "finished_at",
    )
