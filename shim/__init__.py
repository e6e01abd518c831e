"""Runtime support for Walmart Marketplace OAuth 2.0 client credentials.

``import shim`` needs only the standard library and httpx.
"""
