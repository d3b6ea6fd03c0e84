"""The only code that talks to the Hub: one small interface, live and snapshot implementations."""

from auditor.hub.base import ChildModel, Hub

__all__ = ["ChildModel", "Hub"]
