"""The driver registry: entry-point and programmatic drivers, and target-name resolution.

Drivers come from the ``eigen_engine.drivers`` entry-point group (a third party adds one in
its own ``pyproject.toml``) or from :func:`register_driver`. Each is imported and created on
first use and kept for the life of the process, so ``import eigen_engine.drivers`` never
imports a simulator.
"""

from __future__ import annotations

import difflib
import functools
import threading
from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points

from eigen_engine.drivers.devices import DeviceInfo
from eigen_engine.drivers.protocol import QDriver
from eigen_engine.errors import DeviceNotFound, DriverError

__all__ = [
    "ENTRY_POINT_GROUP",
    "TARGET_ALIASES",
    "available_drivers",
    "get_driver",
    "known_targets",
    "list_devices",
    "register_driver",
    "resolve_target",
    "unregister_driver",
]

ENTRY_POINT_GROUP = "eigen_engine.drivers"
TARGET_ALIASES = {"simulator": "aer", "sim": "aer", "sim:local": "aer"}
"""Target names that are not device ids; an empty or missing target is ``aer`` too."""

DriverFactory = Callable[[], QDriver]

_lock = threading.RLock()
_factories: dict[str, DriverFactory] = {}
_instances: dict[str, QDriver] = {}


@functools.cache
def _entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def available_drivers() -> list[str]:
    """Names of every driver that can be loaded (none is imported to answer)."""
    with _lock:
        return sorted(set(_entry_points()) | set(_factories))


def register_driver(name: str, factory: DriverFactory, *, replace: bool = False) -> None:
    """Register a driver created by ``factory()`` on first use.

    Args:
        name: Registry name; also the prefix of its device ids (``"mydriver:dev1"``).
        factory: Zero-argument callable returning a :class:`QDriver` (a driver class works).
        replace: Allow replacing an already registered or entry-point driver of that name.

    Raises:
        ValueError: ``name`` is empty or contains ``":"``, or is taken and ``replace`` is
            false.
    """
    if not name or ":" in name:
        raise ValueError(f"driver name must be non-empty and contain no ':', not {name!r}")
    with _lock:
        if not replace and (name in _factories or name in _entry_points()):
            raise ValueError(
                f"a driver named {name!r} is already registered; pass replace=True to replace it"
            )
        _factories[name] = factory
        _instances.pop(name, None)


def unregister_driver(name: str) -> None:
    """Forget a programmatically registered driver and any cached instance of ``name``."""
    with _lock:
        _factories.pop(name, None)
        _instances.pop(name, None)


def get_driver(name: str) -> QDriver:
    """Return the process-wide instance of driver ``name``, creating it on first use.

    Raises:
        DeviceNotFound: no driver has that name.
        DriverError: the driver failed to import or to start.
    """
    with _lock:
        driver = _instances.get(name)
        if driver is not None:
            return driver
        factory = _factories.get(name)
        if factory is None:
            ep = _entry_points().get(name)
            if ep is None:
                close = difflib.get_close_matches(name, available_drivers(), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else "."
                raise DeviceNotFound(
                    f"no driver named {name!r}{hint} Drivers: {', '.join(available_drivers())}"
                )
            try:
                factory = ep.load()
            except ImportError as exc:
                raise DriverError(
                    f"driver {name!r} could not be imported ({exc}); install the package "
                    f"that provides {ep.value}"
                ) from exc
        try:
            driver = factory()
        except Exception as exc:
            raise DriverError(f"driver {name!r} failed to start: {exc}") from exc
        _instances[name] = driver
        return driver


def known_targets() -> list[str]:
    """Every accepted target name: the aliases, then each loadable driver's device ids."""
    targets = list(TARGET_ALIASES)
    for name in available_drivers():
        try:
            targets += [d.id for d in get_driver(name).get_devices()]
        except (DriverError, DeviceNotFound):
            continue
    return targets


def list_devices() -> list[DeviceInfo]:
    """Every device of every loadable driver."""
    devices: list[DeviceInfo] = []
    for name in available_drivers():
        try:
            devices += get_driver(name).get_devices()
        except DriverError:
            continue
    return devices


def resolve_target(target: str | None) -> tuple[QDriver, str]:
    """Return ``(driver, device_id)`` for a job target.

    ``simulator``, ``sim``, ``sim:local``, an empty string and ``None`` mean ``aer``;
    otherwise the target is a device id whose prefix before ``:`` names its driver.

    Example:
        >>> driver, device = resolve_target("sim:local")
        >>> driver.name, device
        ('aer', 'aer')

    Raises:
        DeviceNotFound: the target names no device; the message lists the known targets
            and the closest one.
    """
    text = (target or "").strip()
    device_id = TARGET_ALIASES.get(text.lower(), text) if text else "aer"
    driver_name = device_id.split(":", 1)[0]
    if driver_name in available_drivers():
        driver = get_driver(driver_name)
        if any(d.id == device_id for d in driver.get_devices()):
            return driver, device_id
    known = known_targets()
    close = difflib.get_close_matches(text, known, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else "."
    raise DeviceNotFound(f"unknown target {text!r}{hint} Known targets: {', '.join(known)}")
