"""The network policy for action URLs: which addresses are public, and which URLs may be called at all.

Bundle validation calls check_action_url on the text; the worker's HTTP client calls it too, then
resolves the host and checks every address with address_problem at connect time (DNS can change
between the two, so the runtime check is the wall and validation the early warning).
"""

from __future__ import annotations

import ipaddress
import re
from typing import NamedTuple
from urllib.parse import urlsplit

IP = ipaddress.IPv4Address | ipaddress.IPv6Address

_BLOCKED: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str]] = [
    (ipaddress.ip_network(net), what) for net, what in (
        ("0.0.0.0/8", "an unspecified ('this network') address"),
        ("10.0.0.0/8", "a private address"),
        ("100.64.0.0/10", "a carrier-grade NAT (100.64/10) address"),
        ("127.0.0.0/8", "a loopback address"),
        ("169.254.0.0/16", "a link-local address (this includes cloud metadata endpoints)"),
        ("172.16.0.0/12", "a private address"),
        ("192.0.0.0/24", "an IETF protocol assignment address"),
        ("192.0.2.0/24", "a documentation address"),
        ("192.168.0.0/16", "a private address"),
        ("198.18.0.0/15", "a benchmarking address"),
        ("198.51.100.0/24", "a documentation address"),
        ("203.0.113.0/24", "a documentation address"),
        ("224.0.0.0/4", "a multicast address"),
        ("240.0.0.0/4", "a reserved address"),
        ("::/128", "an unspecified address"),
        ("::1/128", "a loopback address"),
        ("::/96", "an IPv4-compatible IPv6 address"),
        ("100::/64", "a discard-only address"),
        ("2001:db8::/32", "a documentation address"),
        ("fc00::/7", "a unique-local address"),
        ("fe80::/10", "a link-local address"),
        ("fec0::/10", "a site-local address"),
        ("ff00::/8", "a multicast address"),
    )
]
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
# Labels that are all digits (or 0x-hex) make a host an address literal, never a DNS name.
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+))*$", re.IGNORECASE)


class UrlProblem(NamedTuple):
    """Why an action URL is refused: a stable code (bundle validation) and a sentence."""

    code: str
    message: str


def embedded_v4(ip: IP) -> ipaddress.IPv4Address | None:
    """The IPv4 address hidden inside an IPv6 one (mapped, NAT64, 6to4, Teredo), if any."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if any(ip in net for net in _NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def address_problem(ip: IP) -> str | None:
    """Why the address is not globally routable ('a loopback address'), or None when it is."""
    inner = embedded_v4(ip)
    if inner is not None:
        problem = address_problem(inner)
        return f"an IPv6 form of {inner}, {problem}" if problem else None
    for net, what in _BLOCKED:
        if ip.version == net.version and ip in net:
            return what
    if ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved:
        return "not a globally routable address"
    if ip.is_unspecified or not ip.is_global:
        return "not a globally routable address"
    return None


def is_public_address(ip: IP) -> bool:
    """Whether an action may be sent to this address without allowing private networks."""
    return address_problem(ip) is None


def _inet_aton(host: str) -> ipaddress.IPv4Address | None:
    """The address the C resolver reads from '127.1', '0x7f000001', '2130706433' or '0177.0.0.1', else None."""
    parts = host.split(".")
    values: list[int] = []
    for part in parts:
        try:
            if part[:2].lower() == "0x":
                values.append(int(part[2:] or "0", 16))
            else:
                values.append(int(part, 8 if len(part) > 1 and part.startswith("0") else 10))
        except ValueError:
            return None
    *head, last = values
    if len(values) > 4 or any(v > 255 for v in head) or last >= 256 ** (5 - len(values)):
        return None
    number = last
    for i, value in enumerate(head):
        number |= value << (8 * (3 - i))
    return ipaddress.IPv4Address(number)


def literal_address(host: str) -> IP | None:
    """The address a URL host names without DNS (any form the resolver accepts), or None for a name.

    Raises ValueError for a numeric host no resolver reads (such as 999.1.1.1).
    """
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    bare = host[:-1] if host.endswith(".") else host
    if not _NUMERIC_HOST.match(bare):
        return None
    found = _inet_aton(bare)
    if found is None:
        raise ValueError(f"{host!r} looks like an IP address but is not one")
    return found


def refused_address(host: str, ip: IP, problem: str) -> str:
    """The sentence for a host whose address is refused ('10.0.0.1 is a private address')."""
    try:
        standard = ipaddress.ip_address(host) == ip
    except ValueError:  # a name, or a literal only the C resolver reads ('0x7f000001')
        standard = False
    return f"{host} is {problem}" if standard else f"{host} resolves to {ip}, {problem}"


def check_action_url(url: str, *, allow_private: bool) -> UrlProblem | None:
    """Why the URL may not be an action target, or None; without allow_private: https, a public host."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        return UrlProblem("action.url_invalid", f"not a valid URL ({exc})")
    allowed = ("https", "http") if allow_private else ("https",)
    if parts.scheme.lower() not in allowed:
        return UrlProblem("action.url_scheme",
                          f"the action URL must use {' or '.join(allowed)}, not {parts.scheme or 'nothing'!r}")
    if not host:
        return UrlProblem("action.url_host", "the action URL has no host")
    if parts.username is not None or parts.password is not None:
        return UrlProblem("action.url_credentials",
                          "credentials do not belong in the action URL; the request is signed")
    if allow_private:
        return None
    name = host.rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):  # RFC 6761: always the loopback interface
        return UrlProblem("action.url_private", f"{host} resolves to a loopback address (RFC 6761)")
    try:
        ip = literal_address(host)
    except ValueError as exc:
        return UrlProblem("action.url_ip_literal", str(exc))
    problem = address_problem(ip) if ip is not None else None
    if ip is not None and problem:
        return UrlProblem("action.url_private", refused_address(host, ip, problem))
    return None
