from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = pgettext_lazy("admin section", "Approvals")
    default_auto_field = "django.db.models.BigAutoField"
