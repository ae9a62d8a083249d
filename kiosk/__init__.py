"""Madoguchi (窓口): the Qt-free core of the self-service kiosk."""

__version__ = "0.1.0"
