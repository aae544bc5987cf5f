"""What screening looks for: watched terms and news-source domains. Data, edited in the admin."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    CHINESE = "zh", _("Chinese")


class WatchedTerm(models.Model):
    """A word or phrase that marks a text as news. English terms match every word form (they
    are stemmed); Chinese terms match inside running text, simplified or traditional."""

    term = models.CharField(_("term"), max_length=100)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    weight = models.FloatField(
        _("weight"),
        default=1.0,
        help_text=_(
            "Added to a post's score when the term is found. A post scoring at least "
            "SCREENING_THRESHOLD (1.0 by default) goes to review. Give ambiguous words less."
        ),
    )
    active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["language", "term"]
        verbose_name = _("watched term")
        verbose_name_plural = _("watched terms")
        constraints = [
            models.UniqueConstraint(fields=["term", "language"], name="watched_term_unique")
        ]

    def __str__(self) -> str:
        return f"{self.term} ({self.language})"

    def clean(self) -> None:
        from approvals.screening.matching import normalise_term

        if not normalise_term(self.term, self.language):
            raise ValidationError({"term": _("The term has no letters once normalised.")})


class NewsSource(models.Model):
    """A news outlet's domain: a link to it (or a subdomain) adds its weight."""

    domain = models.CharField(
        _("domain"), max_length=200, unique=True, help_text=_("e.g. reuters.com")
    )
    weight = models.FloatField(_("weight"), default=1.0)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["domain"]
        verbose_name = _("news source")
        verbose_name_plural = _("news sources")

    def __str__(self) -> str:
        return self.domain

    def save(self, *args, **kwargs):
        self.domain = self.domain.strip().lower().removeprefix("www.")
        super().save(*args, **kwargs)
