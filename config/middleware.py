"""Request middleware of our own."""

from django.db import connection
from pghistory.middleware import HistoryMiddleware


class HistoryContextMiddleware(HistoryMiddleware):
    """Attach the signed-in user and the URL to every history row a request writes.

    Row history lives in PostgreSQL triggers; on SQLite (a local first run) there is none,
    and nothing is attached."""

    def __call__(self, request):
        if connection.vendor != "postgresql":
            return self.get_response(request)
        return super().__call__(request)
