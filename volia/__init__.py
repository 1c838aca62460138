"""Volia: a registry and monitoring platform for political prisoners."""

__version__ = "0.1.0"
