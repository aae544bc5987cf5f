"""Shared fixtures, and the rule for tests that need a real service.

A test marked `postgres` or `redis` skips with a reason when that service is not configured;
with REQUIRE_SERVICES=1 (CI) it fails instead, so nothing skips silently there.
"""

import os

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection

from accounts.models import Role
from approvals.reference_data import ensure_reference_data
from tests.factories import DeskFactory, UserFactory
from tests.logins import TwoFactorClient

SENIOR = [Role.REVIEWER, Role.SENIOR_REVIEWER]

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _missing_service(item) -> str | None:
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://…"
    if item.get_closest_marker("redis") and not settings.REDIS_URL:
        return "needs Redis: set REDIS_URL=redis://…"
    return None


def pytest_runtest_setup(item):
    reason = _missing_service(item)
    if reason is None:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but this test {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Transactional tests flush the tables after each test, reference data included;
    put it back before each one (regular tests keep what the migration wrote)."""
    marker = request.node.get_closest_marker("django_db")
    if (marker and marker.kwargs.get("transaction")) or "live_server" in request.fixturenames:
        request.getfixturevalue("transactional_db")
        ensure_reference_data(django_apps)


@pytest.fixture
def client():
    return TwoFactorClient()


@pytest.fixture
def desk(db):
    """The General desk the seed migration creates; every category routes to it."""
    from approvals.models import Desk

    return Desk.objects.get(slug="general")


@pytest.fixture
def other_desk(db):
    return DeskFactory(name="Sport", slug="sport")


@pytest.fixture
def author(db):
    return UserFactory(username="alice", display_name="Alice Author")


@pytest.fixture
def other_author(db):
    return UserFactory(username="oscar", display_name="Oscar Other")


@pytest.fixture
def reviewer(desk):
    return UserFactory(username="rita", display_name="Rita Reviewer", reviewer_on=[desk])


@pytest.fixture
def second_reviewer(desk):
    return UserFactory(username="rob", display_name="Rob Reviewer", reviewer_on=[desk])


@pytest.fixture
def outside_reviewer(other_desk):
    return UserFactory(username="una", display_name="Una Outside", reviewer_on=[other_desk])


@pytest.fixture
def senior(desk):
    return UserFactory(username="sam", display_name="Sam Senior", roles=SENIOR, reviewer_on=[desk])


@pytest.fixture
def second_senior(desk):
    return UserFactory(username="sue", display_name="Sue Senior", roles=SENIOR)


@pytest.fixture
def receiver():
    from tests.receiver import Receiver

    running = Receiver().start()
    yield running
    running.stop()
