"""Madoguchi's Qt-free domain and protocol: the catalog and its rules, the resident flow,
和暦 and kana, the receipt layout as data, the wire models and sealing. Imported by the kiosk
application, the device layer and the backend alike; imports none of them."""

__version__ = "0.1.0"
