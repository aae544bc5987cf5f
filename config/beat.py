"""One beat at a time, however many are started.

Beat is the only process that schedules the sweepers and the hourly jobs; two of them would
send everything twice. Each beat here takes a PostgreSQL advisory lock on a connection of its
own before it sends anything, and keeps it for as long as it lives: a second beat stands by,
trying again every few seconds, and takes over within seconds of the first one's death (its
connection closes, and the lock with it). On SQLite (a local run) there is one beat anyway.
"""

import logging

import psycopg
from celery.beat import PersistentScheduler
from django.db import connection

log = logging.getLogger(__name__)

LOCK_KEY = 0x1A1B_EA7  # any constant shared by every beat of one database
STANDBY_SECONDS = 5.0


class SingleBeatScheduler(PersistentScheduler):
    _lock_connection: psycopg.Connection | None = None

    def tick(self, *args, **kwargs):
        if not self._holds_lock():
            return STANDBY_SECONDS
        return super().tick(*args, **kwargs)

    def _holds_lock(self) -> bool:
        if connection.vendor != "postgresql":
            return True
        if self._lock_connection is not None and not self._lock_connection.closed:
            return True
        try:
            params = connection.get_connection_params()
            params.pop("cursor_factory", None)
            lock_connection = psycopg.connect(**params, autocommit=True)
            row = lock_connection.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY]).fetchone()
        except psycopg.Error:
            log.warning("Beat cannot reach the database; not scheduling.")
            return False
        if not row[0]:
            lock_connection.close()
            log.info("Another beat is scheduling; this one stands by.")
            return False
        log.info("This beat holds the scheduling lock.")
        self._lock_connection = lock_connection
        return True
