"""A Content Security Policy on every page: scripts and styles from this site or carrying the
response's nonce, nothing inline without it; request bodies within limits."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


@pytest.mark.parametrize("name", ["password_reset", "login", "signup", "docs"])
def test_pages_carry_a_policy_without_unsafe_inline_or_eval(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    for directive in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in policy[directive]
        assert "'unsafe-eval'" not in policy[directive]


def test_every_script_on_a_page_is_external_or_carries_the_nonce(client, author):
    client.force_login(author)
    response = client.get(reverse("approvals:my_posts"))
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    scripts = re.findall(r"<script\b([^>]*)>", response.content.decode())
    assert scripts, "the page loads htmx"
    for attributes in scripts:
        assert "src=" in attributes or (nonce and f'nonce="{nonce.group(1)}"' in attributes)
    assert "<style" not in response.content.decode()


def test_a_form_post_over_the_size_limit_is_refused_not_a_server_error(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post(reverse("login"), {"username": "x" * 2000, "password": "y"})
    assert response.status_code == 400
