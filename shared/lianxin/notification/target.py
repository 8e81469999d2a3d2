"""Where a webhook may be posted (DESIGN.md §7): public http(s) addresses only.

A URL is checked when the endpoint is registered and again before every send, against the addresses
its host resolves to *then* (a name may point somewhere else later: DNS rebinding). Every resolved
address must pass, and the post goes to the address that was checked (`PinnedTarget`), so the check
and the connection cannot disagree. `LIANXIN_WEBHOOK_ALLOW_PRIVATE_TARGETS` lets a developer post to
loopback and private networks; link-local (cloud metadata), unspecified, multicast and reserved
addresses are refused even then. The host is read the way the HTTP client reads it (httpx), and
numeric forms the system resolver accepts (`127.1`, `0x7f000001`, `2130706433`) are read as the
address they name. Pure, but for `resolve_target`, which takes the resolver as a callable.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# (host, port) -> the addresses it resolves to, as text; raises OSError when the lookup fails
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]

INVALID_URL = "INVALID_URL"
NOT_ALLOWED = "WEBHOOK_URL_NOT_ALLOWED"
MAX_URL_LENGTH = 2000
# names that never leave the machine or the local network (RFC 6761, 6762, 8375); others are
# judged by the addresses they resolve to
LOCAL_NAMES = ("localhost", "localdomain", "local", "internal", "home.arpa")
# not global, though Python 3.11's `is_global` says they are (fixed in later releases)
NON_GLOBAL = tuple(
    ipaddress.ip_network(n) for n in ("192.0.0.0/24", "2001::/23", "2001:db8::/32", "fec0::/10")
)
# IPv6 prefixes that carry an IPv4 address in their low 32 bits (NAT64, RFC 6052 / 8215)
NAT64 = tuple(ipaddress.ip_network(n) for n in ("64:ff9b::/96", "64:ff9b:1::/48"))


class TargetRefused(Exception):
    """The URL is malformed (INVALID_URL) or points where webhooks may not go (WEBHOOK_URL_NOT_ALLOWED)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class LookupFailed(Exception):
    """The host name did not resolve (now): the send may be tried again later."""


@dataclass(frozen=True, slots=True)
class Target:
    url: httpx.URL
    host: str  # as the client connects: IDNA-encoded, lower case, no brackets
    port: int


@dataclass(frozen=True, slots=True)
class PinnedTarget:
    """The checked address to connect to, with what the receiver must still see of its name."""

    url: str  # the URL with the checked address as its host
    host_header: str
    server_name: str | None  # TLS SNI and certificate name (https to a host name), else None
    address: IPAddress


def parse_target(url: str, *, allow_private: bool) -> Target:
    """The URL's target, or TargetRefused: printable ASCII only, absolute http(s), no credentials,
    a real port, and a host that is not refused by its name or its literal address."""
    parsed, host = _parse(url)
    if parsed.userinfo or "@" in url.split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0]:
        raise TargetRefused(NOT_ALLOWED, "the URL may not carry a user name or password")
    port = parsed.port if parsed.port is not None else 443 if parsed.scheme == "https" else 80
    if not 1 <= port <= 65535:
        raise TargetRefused(INVALID_URL, "the URL's port must be between 1 and 65535")
    address = literal_address(host)
    if address is not None:
        _refuse(address, allow_private)
    elif not allow_private and _local_name(host):
        raise TargetRefused(NOT_ALLOWED, "webhooks may only be sent to public host names")
    return Target(parsed, host, port)


def _parse(url: str) -> tuple[httpx.URL, str]:
    absolute = f"the URL must be an absolute http(s) URL of at most {MAX_URL_LENGTH} characters"
    if not url or len(url) > MAX_URL_LENGTH:
        raise TargetRefused(INVALID_URL, absolute)
    if any(not ("!" <= c <= "~") for c in url) or "\\" in url:
        raise TargetRefused(
            INVALID_URL,
            "the URL may hold no spaces, control characters, backslashes or non-ASCII characters "
            "(percent-encode them; write international names in punycode)",
        )
    try:
        parsed = httpx.URL(url)
        host = parsed.raw_host.decode("ascii").lower()
    except (httpx.InvalidURL, UnicodeError):
        raise TargetRefused(INVALID_URL, absolute) from None
    if parsed.scheme not in ("http", "https") or not host:
        raise TargetRefused(INVALID_URL, absolute)
    return parsed, host


def _refuse(address: IPAddress, allow_private: bool) -> None:
    if (why := address_refusal(address, allow_private=allow_private)) is not None:
        raise TargetRefused(NOT_ALLOWED, f"webhooks may only be sent to public addresses (this is a {why})")


def literal_address(host: str) -> IPAddress | None:
    """The address a host names without a lookup: standard IPv4/IPv6, or any numeric IPv4 form the
    system resolver also accepts (`127.1`, `0x7f.1`, `2130706433`, octal); None for a name."""
    if "%" in host:  # an IPv6 zone id: only ever meaningful for link-local addresses
        host = host.split("%", 1)[0]
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    candidate = host.removesuffix(".")
    if candidate and all(c in "0123456789abcdefx." for c in candidate):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(candidate))
        except OSError:
            return None
    return None


def _local_name(host: str) -> bool:
    name = host.removesuffix(".")
    if "." not in name:  # a single label: a machine on the local network or a container's service
        return True
    return any(name == suffix or name.endswith("." + suffix) for suffix in LOCAL_NAMES)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if any(address in net for net in NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_refusal(address: IPAddress, *, allow_private: bool) -> str | None:
    """Why a webhook may not go to this address (a short phrase), or None when it may."""
    if isinstance(address, ipaddress.IPv6Address) and (inner := _embedded_ipv4(address)) is not None:
        return address_refusal(inner, allow_private=allow_private)
    if address.is_unspecified:
        return "unspecified address"
    if address.is_link_local:
        return "link-local address"
    if address.is_multicast:
        return "multicast address"
    if address.is_loopback:
        return None if allow_private else "loopback address"
    if address.is_private or not address.is_global or any(address in n for n in NON_GLOBAL):
        if allow_private and not address.is_reserved:
            return None
        return "reserved address" if address.is_reserved else "private address"
    if address.is_reserved:
        return "reserved address"
    return None


async def system_resolver(host: str, port: int) -> list[str]:
    """The event loop's getaddrinfo: what the HTTP client would have connected to."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def resolve_target(
    target: Target, *, allow_private: bool, resolver: Resolver | None = None
) -> PinnedTarget:
    """Resolve the host, check every address (TargetRefused if any is refused; LookupFailed if none
    came back) and pin the first: the post connects to it, with the name kept for Host and TLS."""
    literal = literal_address(target.host)
    if literal is None:
        try:
            found = await (resolver or system_resolver)(target.host, target.port)
            addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in found]
        except (OSError, ValueError, UnicodeError):
            raise LookupFailed(f"the name {target.host} did not resolve") from None
        if not addresses:
            raise LookupFailed(f"the name {target.host} did not resolve")
    else:
        addresses = [literal]
    for each in addresses:
        _refuse(each, allow_private)
    https_name = literal is None and target.url.scheme == "https"
    return PinnedTarget(
        url=str(target.url.copy_with(host=str(addresses[0]))),
        host_header=target.url.netloc.decode("ascii"),
        server_name=target.host.removesuffix(".") if https_name else None,
        address=addresses[0],
    )


async def check_new_target(
    url: str, *, allow_private: bool, resolver: Resolver | None = None, lookup_timeout: float = 2.0
) -> None:
    """Registration: TargetRefused unless the URL is allowed and its host (when it resolves within
    `lookup_timeout`) resolves to allowed addresses only. A name that does not resolve yet is
    accepted: every send checks again."""
    target = parse_target(url, allow_private=allow_private)
    try:
        async with asyncio.timeout(lookup_timeout):
            await resolve_target(target, allow_private=allow_private, resolver=resolver)
    except (LookupFailed, TimeoutError):
        pass
