"""HTTP to webhook endpoints, checked where it matters: when connecting.

A platform controls the DNS of its endpoint's host, so an address checked when the endpoint
was created proves nothing at delivery time. Every request here resolves the host, checks
every address it resolves to, and connects to the checked address itself, keeping the
original host name for the Host header, TLS SNI and certificate checks. Refused: every
address that is not global (private, loopback, link-local, shared, reserved, unspecified),
multicast, and IPv6 forms that carry an IPv4 address (IPv4-mapped ::ffff:0:0/96,
IPv4-compatible ::/96, NAT64 64:ff9b::/96 and 64:ff9b:1::/48, 6to4 2002::/16, Teredo
2001::/32), unless WEBHOOK_ALLOW_PRIVATE_ADDRESSES is set (tests and local runs).

requests-hardened pins the connection the same way but judges addresses by `is_private`, which
lets IPv4-compatible addresses such as ::7f00:1 (127.0.0.1) through; hence this adapter.
"""

from __future__ import annotations

import ipaddress
import socket
import threading

import requests
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_CARRY_IPV4 = tuple(
    ipaddress.ip_network(net)
    for net in (
        "::ffff:0:0/96",  # IPv4-mapped
        "::/96",  # IPv4-compatible (deprecated), and :: itself
        "64:ff9b::/96",  # NAT64
        "64:ff9b:1::/48",  # local NAT64
        "2002::/16",  # 6to4
        "2001::/32",  # Teredo
    )
)
_ALSO_REFUSED = tuple(
    ipaddress.ip_network(net)
    for net in (
        "100.64.0.0/10",  # carrier-grade NAT
        "192.0.0.0/24",  # IETF protocol assignments
        "192.88.99.0/24",  # 6to4 relay anycast
    )
)


class RefusedAddress(requests.ConnectionError):
    """The endpoint's host resolves to an address Imprimatur never connects to."""


# What a refusal says, a whole sentence for each kind of address (%(host)s: the host name).
REFUSALS = {
    "unspecified": gettext_lazy("%(host)s resolves to the unspecified address; not connecting."),
    "loopback": gettext_lazy("%(host)s resolves to a loopback address; not connecting."),
    "carries_ipv4": gettext_lazy(
        "%(host)s resolves to an IPv6 address carrying an IPv4 one; not connecting."
    ),
    "multicast": gettext_lazy("%(host)s resolves to a multicast address; not connecting."),
    "reserved": gettext_lazy("%(host)s resolves to a reserved address; not connecting."),
    "not_global": gettext_lazy(
        "%(host)s resolves to a private, loopback, link-local or reserved address; not connecting."
    ),
}


def refusal(address: IPAddress) -> str | None:
    """Why `address` may not be connected to (a key of REFUSALS), or None when it may."""
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.version == 6 and any(address in net for net in _CARRY_IPV4):
        return "carries_ipv4"
    if address.is_multicast:
        return "multicast"
    if any(address in net for net in _ALSO_REFUSED if net.version == address.version):
        return "reserved"
    if not address.is_global:
        return "not_global"
    return None


def resolve_checked(host: str, port: int | None) -> IPAddress:
    """The address to connect to for `host`: every address it resolves to must be allowed
    (a name that resolves to one public and one private address is refused)."""
    literal = host.strip("[]")
    try:
        infos = socket.getaddrinfo(literal, port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise requests.ConnectionError(_("Cannot resolve %(host)s.") % {"host": host}) from error
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        for address in addresses:
            why = refusal(address)
            if why is not None:
                raise RefusedAddress(str(REFUSALS[why]) % {"host": host})
    return addresses[0]


class PinnedAddressAdapter(HTTPAdapter):
    """Connect to the checked address of the URL's host, at every request."""

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        host, port = host_params["host"].strip("[]"), host_params["port"]
        address = resolve_checked(host, port)
        headers = CaseInsensitiveDict(request.headers or {})
        shown = f"[{host}]" if ":" in host else host
        headers["Host"] = f"{shown}:{port}" if port else shown
        request.headers = headers
        if host_params["scheme"] == "https":
            pool_kwargs["server_hostname"] = host  # SNI
            pool_kwargs["assert_hostname"] = host  # the certificate names the host, not the IP
        host_params["host"] = str(address)
        return host_params, pool_kwargs


def _new_session() -> requests.Session:
    session = requests.Session()
    adapter = PinnedAddressAdapter(pool_connections=32, pool_maxsize=32, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.trust_env = False  # no proxies from the environment: we connect where we checked
    return session


_local = threading.local()


def session() -> requests.Session:
    """One session (connection pool) per thread of a worker process."""
    if getattr(_local, "session", None) is None:
        _local.session = _new_session()
    return _local.session
