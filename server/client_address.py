"""The client's address, trusting ``X-Forwarded-For`` only from the configured proxies
(``FLOORSYNC_TRUSTED_PROXIES``), so the per-address login throttle sees real clients behind nginx
and nobody else can pick the address they are counted under."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from litestar.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return None


def client_address(peer: str, forwarded_for: Sequence[str], trusted: Sequence[Network]) -> str:
    """Walk ``X-Forwarded-For`` from the right (the hop nearest us) while each hop is a trusted proxy;
    the first address that is not is the client. A header from an untrusted peer counts for nothing."""

    def is_trusted(address: str) -> bool:
        parsed = _parse(address)
        return parsed is not None and any(parsed in network for network in trusted)

    if not is_trusted(peer):
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    client = peer
    for hop in reversed(hops):
        if _parse(hop) is None:
            break  # garbage in the header: stop at the last proxy we trust
        client = hop
        if not is_trusted(hop):
            break
    return client


class ClientAddressMiddleware:
    """Rewrites ``scope["client"]`` from ``X-Forwarded-For`` when the peer is a trusted proxy."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        peer = scope.get("client") if scope["type"] in ("http", "websocket") else None
        trusted: Sequence[Network] = scope["app"].state.trusted_proxies if peer else ()
        if peer and trusted:
            forwarded = [v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"x-forwarded-for"]
            scope["client"] = (client_address(peer[0], forwarded, trusted), peer[1])
        await self.app(scope, receive, send)


def trusted_networks(proxies: Sequence[str]) -> list[Network]:
    """The settings' proxies as networks (validated when the settings were read)."""
    return [ipaddress.ip_network(proxy, strict=False) for proxy in proxies]
