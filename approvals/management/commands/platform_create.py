"""Wire up a platform from the command line: the platform, an API key, and optionally a
webhook endpoint. The key and the signing secret are printed once."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from approvals.models import EventType, Platform
from approvals.platform import services


class Command(BaseCommand):
    help = "Create a platform (or reuse one by name) with a new API key and an endpoint."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--endpoint", help="Webhook URL to send events to.")
        parser.add_argument(
            "--events",
            nargs="*",
            choices=EventType.values,
            default=[],
            help="Event types the endpoint wants (default: all).",
        )

    def handle(self, name, endpoint=None, events=(), **options):
        try:
            with transaction.atomic():
                platform = Platform.objects.filter(name=name).first()
                if platform is None:
                    platform = services.platform_create(name=name)
                key = services.api_key_create(platform=platform, name="cli")
                new = (
                    services.endpoint_create(
                        platform=platform, url=endpoint, event_types=list(events)
                    )
                    if endpoint
                    else None
                )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(f"Platform:  {platform.name} (id {platform.pk})")
        self.stdout.write(f"API key:   {key.key}")
        if new is not None:
            self.stdout.write(f"Endpoint:  {new.endpoint.url}")
            self.stdout.write(f"Secret:    {new.secret}")
        self.stdout.write(self.style.WARNING("Copy these now: they are not shown again."))
