"""A small webhook receiver for `make run`: verifies each delivery's signature against the
secrets of the endpoints that point at it, and logs what arrived."""

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.core.management.base import BaseCommand
from django.utils import timezone

from approvals.models import Endpoint
from approvals.platform.services import endpoint_secrets
from approvals.platform.signing import InvalidSignature, verify


class Command(BaseCommand):
    help = "Run the demo webhook receiver (verifies signatures and prints events)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8001)

    def handle(self, port, **options):
        command = self
        url_suffix = f":{port}/"

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                endpoints = Endpoint.objects.filter(url__contains=url_suffix)
                secrets = [
                    s for e in endpoints for s in endpoint_secrets(endpoint=e, at=timezone.now())
                ]
                headers = dict(self.headers.items())
                verified = False
                for secret in secrets:
                    try:
                        verify(secret, headers, body)
                    except InvalidSignature:
                        continue
                    verified = True
                    break
                if not verified:
                    command.stderr.write(f"REJECTED {headers.get('webhook-id')}: bad signature")
                    self.send_response(401)
                    self.end_headers()
                    return
                event = json.loads(body)
                data = event.get("data", {})
                command.stdout.write(
                    f"verified {headers.get('webhook-id')} {event['type']} "
                    f"post={data.get('post_id')} revision={data.get('revision')} "
                    f"sha256={str(data.get('content_hash'))[:12]}…"
                )
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.stdout.write(f"Demo receiver on http://127.0.0.1:{port}/webhooks")
        ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
