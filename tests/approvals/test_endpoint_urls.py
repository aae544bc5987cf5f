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
        "https://0.0.0.0/hook",
        "https://100.64.0.1/hook",
        "https://224.0.0.1/hook",
        "https://[ff02::1]/hook",
        "https://[::127.0.0.1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[64:ff9b::7f00:1]/hook",
        "https://[2002:7f00:1::]/hook",
        "https://[2001:0:7f00:1::]/hook",
        "https://[fe80::1]/hook",
        "https://[fc00::1]/hook",
    ],
)
def test_addresses_inside_networks_or_carrying_ipv4_are_refused(strict, url):
    with pytest.raises(ValidationError, match=r"resolves to .*; not connecting"):
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
