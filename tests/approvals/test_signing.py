"""Our signatures, checked by the reference `standardwebhooks` library."""

import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from approvals.platform.signing import generate_secret, signed_headers

BODY = b'{"type":"post.approved","timestamp":"2026-11-22T10:00:00+00:00","data":{"post_id":1}}'


def test_a_signed_delivery_verifies_with_the_standard_webhooks_library():
    secret = generate_secret()
    headers = signed_headers([secret], "msg_1", BODY)
    assert Webhook(secret).verify(BODY, headers)["data"] == {"post_id": 1}


def test_a_tampered_body_does_not_verify():
    secret = generate_secret()
    headers = signed_headers([secret], "msg_1", BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"1}", b"2}"), headers)


def test_a_wrong_secret_does_not_verify():
    headers = signed_headers([generate_secret()], "msg_1", BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(generate_secret()).verify(BODY, headers)


def test_a_stale_timestamp_does_not_verify():
    secret = generate_secret()
    headers = signed_headers([secret], "msg_1", BODY, timestamp=int(time.time()) - 3600)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, headers)


def test_during_a_rotation_both_secrets_verify():
    old, new = generate_secret(), generate_secret()
    headers = signed_headers([new, old], "msg_1", BODY)
    assert Webhook(old).verify(BODY, headers)
    assert Webhook(new).verify(BODY, headers)


def test_secrets_look_like_standard_webhooks_secrets():
    secret = generate_secret()
    assert secret.startswith("whsec_") and len(secret) > 40
