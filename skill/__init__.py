"""Kindly: an offline self-compassion voice skill."""

__version__ = "0.1.0"
