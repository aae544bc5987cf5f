import pytest
from django.core.exceptions import ValidationError

from approvals.platform.endpoint_urls import validate_endpoint_url


@pytest.fixture
def strict(settings):
    settings.WEBHOOK_ALLOW_HTTP = False
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.7/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(strict, url):
    with pytest.raises(ValidationError, match="private or local"):
        validate_endpoint_url(url)


def test_plain_http_is_refused_in_production(strict):
    with pytest.raises(ValidationError, match="https"):
        validate_endpoint_url("http://93.184.215.14/hook")


def test_a_public_https_address_is_accepted(strict):
    validate_endpoint_url("https://93.184.215.14/hook")


def test_not_a_url_is_refused(strict):
    with pytest.raises(ValidationError):
        validate_endpoint_url("ftp:/nowhere")


def test_tests_and_local_runs_may_allow_loopback(settings):
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    validate_endpoint_url("http://127.0.0.1:8001/webhooks")
