from django.contrib.auth.models import AbstractUser
from django.db import models


class AccountType(models.TextChoices):
    INDIVIDUAL = "individual", "Individual"
    ORGANISATION = "organisation", "Organisation"
    PUBLIC_FIGURE = "public_figure", "Public figure"


class Role(models.TextChoices):
    """Roles are Django groups; the names here are the group names."""

    AUTHOR = "author", "Author"
    REVIEWER = "reviewer", "Reviewer"
    SENIOR_REVIEWER = "senior_reviewer", "Senior reviewer"
    OPERATOR = "operator", "Operator"


class User(AbstractUser):
    account_type = models.CharField(
        max_length=20, choices=AccountType.choices, default=AccountType.INDIVIDUAL
    )
    display_name = models.CharField(max_length=150, blank=True)

    @property
    def name(self) -> str:
        """How the user is named to other people: display name, full name or username."""
        return self.display_name or self.get_full_name() or self.username

    def __str__(self) -> str:
        return self.name
