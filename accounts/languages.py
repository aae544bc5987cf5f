"""Which language a person reads Imprimatur in.

Pages: the language saved on the signed-in user's profile, else the one LocaleMiddleware
found (the language cookie the switch sets, else the browser's Accept-Language), else
LANGUAGE_CODE. A profile with none takes the one its holder first signs in with; the switch
in the navigation changes it. The API (/api/): Accept-Language alone, so a platform decides
per request.
Emails: the recipient's saved language, else LANGUAGE_CODE (`for_user`).
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header


def supported(code: str | None) -> str | None:
    """`code` as one of LANGUAGES (zh-CN becomes zh-hans, en-US en-gb), or None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def choices() -> list[tuple[str, str]]:
    return list(settings.LANGUAGES)


def for_user(user) -> str:
    """The language to write to `user` in (an email, a notification)."""
    return supported(getattr(user, "language", "")) or settings.LANGUAGE_CODE


def speaking_to(user):
    """`with speaking_to(user):` the strings built inside are in `user`'s language (an
    email's subject and context, say)."""
    return translation.override(for_user(user))


def from_accept_language(header: str) -> str | None:
    for code, _quality in parse_accept_lang_header(header):
        if code == "*":
            break
        if found := supported(code):
            return found
    return None


def remember(user, language: str) -> None:
    from accounts.services import user_set_language

    user_set_language(user=user, language=language)


class LanguageMiddleware:
    """After LocaleMiddleware and AuthenticationMiddleware."""

    API_PREFIX = "/api/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(self.API_PREFIX):
            chosen = from_accept_language(request.headers.get("Accept-Language", ""))
            chosen = chosen or settings.LANGUAGE_CODE
        elif request.user.is_authenticated:
            chosen = supported(request.user.language)
            if chosen is None:  # never chosen: keep the language they first came in with,
                remember(request.user, request.LANGUAGE_CODE)  # for their emails too
        else:
            chosen = None
        if chosen and chosen != request.LANGUAGE_CODE:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        return self.get_response(request)


# Notes and reasons the system itself writes into records (in English, like every record):
# shown in the reader's language. What people write is never looked up in the catalogue.
SYSTEM_TEXTS: set[str] = set()


def system_text(message: str) -> str:
    """Register `message` (wrapped in gettext_noop, so it is extracted) as one of the system's
    own texts; call at import time."""
    SYSTEM_TEXTS.add(message)
    return message


def as_written(text: str) -> str:
    """`text` from a record: translated if the system wrote it, as written otherwise."""
    return translation.gettext(text) if text in SYSTEM_TEXTS else text


class Localized:
    """A model attribute for text an operator writes in each language: it reads
    `<field>_<language>` (label_zh_hans) in the active language and falls back to `<field>`,
    the English source, where no translation is written.

        label = models.CharField(...)
        label_zh_hans = models.CharField(..., blank=True)
        local_label = Localized("label")
    """

    def __init__(self, field: str):
        self.field = field

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        language = translation.get_language() or settings.LANGUAGE_CODE
        if language != settings.LANGUAGE_CODE:
            translated = getattr(instance, f"{self.field}_{language.replace('-', '_')}", "")
            if translated:
                return translated
        return getattr(instance, self.field)
