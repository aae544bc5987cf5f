from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = pgettext_lazy("admin section", "Accounts")
    default_auto_field = "django.db.models.BigAutoField"
