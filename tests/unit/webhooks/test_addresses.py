"""Which webhook URLs may be called: form, scheme, and every address the host resolves to."""

from __future__ import annotations

import pytest

from buurt.domain.errors import InvalidInput
from buurt.domain.webhooks import WebhookRules, address_refusal, parse_url
from buurt.services.webhooks.endpoints import check_url

STRICT = WebhookRules()
LENIENT = WebhookRules(allow_private=True)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.254", "private"),
        ("192.168.1.1", "private"),
        ("fd12:3456::1", "private"),  # unique local (ULA)
        ("169.254.169.254", "link-local"),  # cloud metadata services live here
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("100.64.0.1", "not globally routable"),  # carrier-grade NAT
        ("240.0.0.1", "private"),
        ("192.0.2.10", "private"),  # documentation range
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:10.0.0.1", "private"),
        ("2002:7f00:1::1", "loopback"),  # 6to4 around 127.0.0.1
        ("64:ff9b::a00:1", "private"),  # NAT64 around 10.0.0.1
    ],
)
def test_non_public_addresses_are_refused(address: str, reason: str) -> None:
    refusal = address_refusal(address)
    assert refusal is not None
    assert reason in refusal


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert address_refusal(address) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://127.0.0.1:8080/hook",
        "https://[::1]/hook",
        "http://10.0.0.7/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[fd00::1]:8443/",
        "http://0.0.0.0/",
        "http://2130706433/",  # 127.0.0.1 written as one number
        "http://localhost:8000/hook",  # a host name that resolves to loopback
        "http://LocalHost/hook",
    ],
)
def test_urls_that_reach_private_addresses_are_refused(url: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_url(STRICT, url)
    assert refused.value.field == "url"
    assert "only public addresses are allowed" in refused.value.detail


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/hook", "http://localhost:8000/hook", "https://[::1]/"]
)
def test_the_operator_may_allow_private_addresses(url: str) -> None:
    assert check_url(LENIENT, url).url == url


def test_a_public_address_is_allowed() -> None:
    target = check_url(STRICT, "https://93.184.216.34/buurt?x=1")
    assert (target.scheme, target.host, target.port) == ("https", "93.184.216.34", 443)


def test_a_host_that_does_not_resolve_is_refused() -> None:
    with pytest.raises(InvalidInput, match="does not resolve"):
        check_url(STRICT, "https://partner.invalid/hooks")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://93.184.216.34/", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("gopher://93.184.216.34/", "http:// or https://"),
        ("93.184.216.34/hook", "http:// or https://"),
        ("http:///hook", "names a host"),
        ("http://user:pw@93.184.216.34/", "no user name or password"),
        ("http://93.184.216.34/#top", "no #fragment"),
        ("http://93.184.216.34:99999/", "not a valid URL"),
        ("http://[::1/", "not a valid URL"),
        ("http://93.184.216.34/a b", "no spaces"),
        ("https://93.184.216.34/" + "a" * 2000, "at most 2000"),
    ],
)
def test_malformed_urls_are_refused(url: str, problem: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_url(url)
    assert problem in refused.value.detail
    assert refused.value.field == "url"
