"""Zeroconf: tell Home Assistant on the local network that Kindly's Wyoming service is here.

Only when asked (`wyoming.zeroconf`, off with `--no-zeroconf`): python-zeroconf is
imported, and its multicast sockets opened, only by `Advertiser.start`. A service bound
to a loopback address is never advertised (nobody else could reach it).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zeroconf import ServiceInfo
    from zeroconf.asyncio import AsyncZeroconf

log = logging.getLogger(__name__)
SERVICE_TYPE = "_wyoming._tcp.local."
_MDNS_GROUP = "224.0.0.251"


def lan_address(host: str) -> str | None:
    """The IPv4 address to advertise for a service bound to `host`; None for loopback."""
    if host not in ("", "0.0.0.0", "::"):
        try:
            address = ipaddress.ip_address(socket.gethostbyname(host))
        except (OSError, ValueError):
            return None
        return None if address.is_loopback else str(address)
    # The address the mDNS group would be reached from: a UDP "connect" sends nothing.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect((_MDNS_GROUP, 5353))
            found = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if ipaddress.ip_address(found).is_loopback or found == "0.0.0.0" else found


def service_info(name: str, address: str, port: int) -> ServiceInfo:
    """The zeroconf record: `<name>._wyoming._tcp.local.` at address:port."""
    from zeroconf import ServiceInfo

    return ServiceInfo(
        SERVICE_TYPE,
        f"{name}.{SERVICE_TYPE}",
        addresses=[socket.inet_aton(address)],
        port=port,
        properties={"program": "kindly"},
    )


class Advertiser:
    """Registers the service on start, unregisters it on stop."""

    def __init__(self, name: str, host: str, port: int) -> None:
        self.name = name
        self.host = host
        self.port = port
        self._zc: AsyncZeroconf | None = None
        self._info: ServiceInfo | None = None

    async def start(self) -> bool:
        address = lan_address(self.host)
        if address is None:
            log.info("zeroconf: not advertising a service on %s (loopback)", self.host)
            return False
        from zeroconf.asyncio import AsyncZeroconf

        self._info = service_info(self.name, address, self.port)
        self._zc = AsyncZeroconf()
        try:
            await self._zc.async_register_service(self._info)
        except Exception as exc:  # a network without multicast: the service still runs
            log.warning("zeroconf: could not advertise (%s); add Kindly by host and port", exc)
            await self.stop()
            return False
        log.info("zeroconf: advertising %s at %s:%d", self._info.name, address, self.port)
        return True

    async def stop(self) -> None:
        if self._zc is None:
            return
        try:
            if self._info is not None:
                await self._zc.async_unregister_service(self._info)
        except Exception as exc:
            log.debug("zeroconf: unregister failed: %s", exc)
        await self._zc.async_close()
        self._zc = None
