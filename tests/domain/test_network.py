"""The network policy: every disguise of a non-public address is refused, public ones pass, URLs are checked once."""

from __future__ import annotations

import ipaddress

import pytest

from tfai.domain.network import address_problem, check_action_url, embedded_v4, is_public_address, literal_address
from tfai.domain.problems import Report
from tfai.domain.validate_actions import check_task_rules

NOT_PUBLIC = [
    ("10.0.0.1", "a private address"),
    ("172.16.5.4", "a private address"),
    ("192.168.1.10", "a private address"),
    ("127.0.0.1", "a loopback address"),
    ("::1", "a loopback address"),
    ("0.0.0.0", "an unspecified"),
    ("::", "an unspecified address"),
    ("169.254.169.254", "a link-local address (this includes cloud metadata endpoints)"),
    ("fe80::1", "a link-local address"),
    ("100.64.0.1", "a carrier-grade NAT (100.64/10) address"),
    ("100.127.255.254", "a carrier-grade NAT (100.64/10) address"),
    ("224.0.0.1", "a multicast address"),
    ("ff02::1", "a multicast address"),
    ("fc00::1", "a unique-local address"),
    ("fd12:3456::1", "a unique-local address"),
    ("::ffff:10.0.0.1", "an IPv6 form of 10.0.0.1, a private address"),
    ("::ffff:127.0.0.1", "an IPv6 form of 127.0.0.1, a loopback address"),
    ("64:ff9b::10.0.0.1", "an IPv6 form of 10.0.0.1, a private address"),
    ("64:ff9b:1::a00:1", "an IPv6 form of 10.0.0.1, a private address"),
    ("2002:0a00:0001::", "an IPv6 form of 10.0.0.1, a private address"),
    ("2002:a9fe:a9fe::1", "an IPv6 form of 169.254.169.254, a link-local address"),
    ("::10.0.0.1", "an IPv4-compatible IPv6 address"),
    ("192.0.2.1", "a documentation address"),
    ("2001:db8::1", "a documentation address"),
    ("240.0.0.1", "a reserved address"),
]
PUBLIC = ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"]


@pytest.mark.parametrize(("text", "why"), NOT_PUBLIC)
def test_non_public_addresses_and_their_ipv6_disguises_are_refused(text: str, why: str) -> None:
    ip = ipaddress.ip_address(text)
    problem = address_problem(ip)
    assert problem is not None and problem.startswith(why)
    assert is_public_address(ip) is False


@pytest.mark.parametrize("text", PUBLIC)
def test_public_addresses_pass(text: str) -> None:
    assert is_public_address(ipaddress.ip_address(text)) and address_problem(ipaddress.ip_address(text)) is None


def test_embedded_ipv4_is_unwrapped_from_each_form() -> None:
    inner = ipaddress.IPv4Address("10.0.0.1")
    for text in ("::ffff:10.0.0.1", "64:ff9b::10.0.0.1", "2002:0a00:0001::"):
        assert embedded_v4(ipaddress.ip_address(text)) == inner
    assert embedded_v4(inner) is None and embedded_v4(ipaddress.ip_address("2606:4700::1111")) is None


@pytest.mark.parametrize(("host", "address"), [
    ("127.0.0.1", "127.0.0.1"), ("127.1", "127.0.0.1"), ("0x7f000001", "127.0.0.1"), ("2130706433", "127.0.0.1"),
    ("0177.0.0.1", "127.0.0.1"), ("0x7f.0.0.1", "127.0.0.1"), ("10.1.2", "10.1.0.2"), ("::1", "::1"),
])
def test_every_address_form_the_resolver_reads_is_recognised(host: str, address: str) -> None:
    assert literal_address(host) == ipaddress.ip_address(address)


def test_names_are_not_literals_and_impossible_numbers_are_errors() -> None:
    assert literal_address("vendor.example.com") is None and literal_address("1e100.net") is None
    for bad in ("999.1.1.1", "1.2.3.4.5", "4294967296"):
        with pytest.raises(ValueError, match="looks like an IP address"):
            literal_address(bad)


@pytest.mark.parametrize(("url", "code", "message"), [
    ("https://[64:ff9b::10.0.0.1]/x", "action.url_private", "an IPv6 form of 10.0.0.1, a private address"),
    ("https://[::ffff:10.0.0.1]/x", "action.url_private", "an IPv6 form of 10.0.0.1"),
    ("https://[2002:0a00:0001::]/x", "action.url_private", "an IPv6 form of 10.0.0.1"),
    ("https://0.0.0.0/x", "action.url_private", "0.0.0.0 is an unspecified"),
    ("https://169.254.169.254/latest", "action.url_private", "169.254.169.254 is a link-local address"),
    ("https://2130706433/", "action.url_private", "2130706433 resolves to 127.0.0.1, a loopback address"),
    ("https://api.localhost/", "action.url_private", "api.localhost resolves to a loopback address"),
    ("https://999.1.1.1/", "action.url_ip_literal", "looks like an IP address"),
    ("http://vendor.example.com/", "action.url_scheme", "must use https, not 'http'"),
    ("https://u:p@vendor.example.com/", "action.url_credentials", "credentials do not belong"),
    ("https:///orders", "action.url_host", "no host"),
    ("https://vendor.example.com:99999/", "action.url_invalid", "not a valid URL"),
])
def test_check_action_url_names_the_problem(url: str, code: str, message: str) -> None:
    found = check_action_url(url, allow_private=False)
    assert found is not None and found.code == code and message in found.message


def test_allowing_private_networks_keeps_the_url_rules_and_drops_the_address_rules() -> None:
    assert check_action_url("http://10.0.0.1:8080/hook", allow_private=True) is None
    assert check_action_url("https://localhost/hook", allow_private=True) is None
    found = check_action_url("ftp://10.0.0.1/hook", allow_private=True)
    assert found is not None and found.message == "the action URL must use https or http, not 'ftp'"
    assert check_action_url("https://vendor.example.com/hook", allow_private=False) is None


@pytest.mark.parametrize("text", [t for t, _ in NOT_PUBLIC] + PUBLIC)
def test_bundle_validation_reports_exactly_what_the_policy_refuses(text: str) -> None:
    host = f"[{text}]" if ":" in text else text
    report = Report()
    check_task_rules({"tasks": [{"type": "SYNC_ACTION", "action_url": f"https://{host}/hook"}]}, report,
                     allow_private_networks=False)
    codes = [p.code for p in report.errors]
    assert codes == ([] if is_public_address(ipaddress.ip_address(text)) else ["action.url_private"])
