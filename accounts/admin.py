from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import User


@admin.register(User)
class ImprimaturUserAdmin(UserAdmin):
    list_display = ("username", "display_name", "email", "account_type", "is_staff", "is_active")
    list_filter = ("account_type", "is_staff", "is_active", "groups")
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Account", {"fields": ("account_type", "display_name")}),
    )
