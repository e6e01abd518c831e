"""The token endpoint's answer, as JSON or as the XML ``OAuthTokenDTO`` (spec section 2)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from migrate.emulator.messages import EmulatorResponse, json_response
from migrate.emulator.tokens import IssuedToken

__all__ = ["token_response", "wants_xml"]


def wants_xml(accept: str | None) -> bool:
    """XML only when the client asks for XML and not for JSON; JSON is the default."""
    accept = (accept or "").lower()
    return "xml" in accept and "json" not in accept


def token_response(issued: IssuedToken, accept: str | None, lifetime: float) -> EmulatorResponse:
    expires_in = int(lifetime)  # never promise more than the gateway will honour
    if wants_xml(accept):
        body = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f"<OAuthTokenDTO><accessToken>{escape(issued.token)}</accessToken>"
            f"<tokenType>Bearer</tokenType><expiresIn>{expires_in}</expiresIn></OAuthTokenDTO>"
        ).encode()
        return EmulatorResponse(200, [("Content-Type", "application/xml")], body)
    return json_response(200, {"access_token": issued.token, "token_type": "Bearer",
                               "expires_in": expires_in})
