"""Email to account holders about every decision on their posts or their account.

Sent by a Celery task once the decision has committed; the console backend by default.
"""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from accounts.models import User


def notify_on_commit(*, user: User, subject: str, template: str, context: dict) -> None:
    """Queue an email to `user`; `context` must be plain JSON (ids, strings, numbers)."""
    if not user.email:
        return
    transaction.on_commit(lambda: send_notification.delay(user.pk, subject, template, context))


@shared_task(acks_late=True, ignore_result=True)
def send_notification(user_id: int, subject: str, template: str, context: dict) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return
    body = render_to_string(
        f"email/{template}.txt", {"user": user, "site": settings.SITE_URL, **context}
    )
    send_mail(f"[Imprimatur] {subject}", body, None, [user.email])
