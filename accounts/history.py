"""Row history kept by the database (django-pghistory): on PostgreSQL, triggers copy every
insert, update and delete of a tracked model into its event table, whichever path made it
(a service, the admin, a queryset update or raw SQL). Event tables are append-only."""

import pghistory


def tracked(**options):
    """Decorate a model to keep the history of its rows (`exclude=[…]` leaves secrets out)."""
    return pghistory.track(
        pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), **options
    )
