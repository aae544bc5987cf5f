"""The operator's pages in the admin render, and their actions go through services."""

import re

import pytest
from django.urls import reverse

from approvals import services
from approvals.models import AuditEntry, Delivery, DeliveryStatus, Endpoint, State
from approvals.platform import services as platform_services
from approvals.platform.delivery import delivery_send
from tests.factories import PostFactory, UserFactory, link_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    user = UserFactory(username="ada", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


@pytest.fixture
def delivery(author, reviewer, receiver):
    platform = platform_services.platform_create(name="Chirp")
    platform_services.endpoint_create(platform=platform, url=receiver.url)
    link_account(platform=platform, user=author)
    post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    services.post_approve(post=post, by=reviewer)
    return Delivery.objects.get()


@pytest.mark.parametrize(
    "model",
    ["post", "desk", "reasoncode", "auditentry", "platform", "apikey", "endpoint", "delivery"],
)
def test_operator_pages_render(client, operator, delivery, model):
    response = client.get(reverse(f"admin:approvals_{model}_changelist"))
    assert response.status_code == 200


def test_a_delivery_page_shows_its_attempts(client, operator, delivery):
    delivery_send(delivery_id=delivery.pk)
    page = client.get(reverse("admin:approvals_delivery_change", args=[delivery.pk]))
    assert page.status_code == 200 and "Attempts" in page.content.decode()


@pytest.mark.parametrize("model", ["delivery", "auditentry"])
def test_record_pages_offer_no_save_and_show_times_to_the_second(client, operator, delivery, model):
    delivery_send(delivery_id=delivery.pk)
    record = delivery if model == "delivery" else AuditEntry.objects.first()
    html = client.get(reverse(f"admin:approvals_{model}_change", args=[record.pk])).content
    html = html.decode()
    assert 'name="_save"' not in html and 'name="_continue"' not in html
    assert re.search(r"\d{1,2} \w{3} \d{4}, \d\d:\d\d:\d\d", html), "a time with seconds"


def test_the_operator_redelivers_failed_deliveries(client, operator, delivery):
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)
    response = client.post(
        reverse("admin:approvals_delivery_changelist"),
        {"action": "redeliver", "_selected_action": [delivery.pk]},
        follow=True,
    )
    assert "Queued 1 deliveries again." in response.content.decode()
    assert Delivery.objects.get().status == DeliveryStatus.PENDING


def test_adding_an_endpoint_in_the_admin_shows_its_secret_once(client, operator, receiver):
    platform = platform_services.platform_create(name="Chirp")
    response = client.post(
        reverse("admin:approvals_endpoint_add"),
        {"platform": platform.pk, "url": receiver.url, "description": "", "event_types": "[]"},
        follow=True,
    )
    assert "whsec_" in response.content.decode()
    assert Endpoint.objects.get().secrets.count() == 1
