"""Dinsos Jatim service bot: the core (settings, storage, services, application wiring)."""

__version__ = "0.1.0"
