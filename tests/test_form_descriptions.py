"""Every aria-describedby on a form points at an element that exists (help and error texts
carry the ids Django's widgets name)."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _dangling(html: str) -> set[str]:
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    named = {i for value in re.findall(r'aria-describedby="([^"]+)"', html) for i in value.split()}
    return named - ids


def test_help_and_error_texts_are_where_the_fields_say(client, author):
    empty_signup = client.post(reverse("signup"), {}).content.decode()
    assert 'aria-describedby="' in empty_signup
    assert _dangling(empty_signup) == set()
    client.force_login(author)
    for name in ("approvals:post_new", "verify_identity", "pledge", "standing"):
        html = client.get(reverse(name)).content.decode()
        assert _dangling(html) == set(), name
