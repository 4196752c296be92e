"""The client's address, derived in one place: X-Forwarded-For is believed only as far as trusted proxies vouch."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

from tfai.settings import IPNetwork, get_settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse(value: str) -> IPAddress | None:
    """An address from a forwarding hop, with or without a port (`1.2.3.4:80`, `[::1]:80`); None when unreadable."""
    text = value.strip().strip('"')
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return address.ipv4_mapped or address if isinstance(address, ipaddress.IPv6Address) else address


def derive(peer: str, forwarded_for: str | None, trusted: Sequence[IPNetwork]) -> str:
    """Walk X-Forwarded-For right to left while the hop that handed it on is a trusted proxy.

    Each trusted proxy appends the address it saw, so the rightmost entry not added by one of ours is the client.
    A header from an untrusted peer is ignored (anyone can send it); an unreadable entry stops the walk at the
    last address we could vouch for.
    """
    current = _parse(peer)
    if current is None:
        return peer
    hops = [h for h in (forwarded_for or "").split(",") if h.strip()]
    while hops and any(current in net for net in trusted):
        hop = _parse(hops.pop())
        if hop is None:
            break
        current = hop
    return str(current)


def client_ip(peer: str, forwarded_for: str | None) -> str:
    """The client address for a request from `peer` carrying `forwarded_for`, under TFAI_TRUSTED_PROXIES."""
    return derive(peer, forwarded_for, get_settings().trusted_proxies)


def from_scope(scope: Mapping[str, Any]) -> str:
    """The client address of an ASGI request (several X-Forwarded-For headers count as one list, in order)."""
    client = scope.get("client")
    peer = str(client[0]) if client else ""
    forwarded = [v.decode("latin-1") for k, v in scope.get("headers") or [] if k.lower() == b"x-forwarded-for"]
    return client_ip(peer, ",".join(forwarded) or None)
