"""Token answers that could not work are refused at once, naming the field, never quoting the
token: not an OverflowError, not a token refreshed on every call, not a header that breaks later."""

from __future__ import annotations

import pytest

import shim
from migrate.emulator import EmulatorServer

HUGE = "9" * 400


def _json(token: str, expires_in: str) -> str:
    return f'{{"access_token": "{token}", "token_type": "Bearer", "expires_in": {expires_in}}}'


ABSURD = {
    "400-digit expires_in": (_json("tok-abc123", HUGE), "expires_in"),
    "NaN expires_in": (_json("tok-abc123", "NaN"), "expires_in"),
    "infinite expires_in": (_json("tok-abc123", "Infinity"), "expires_in"),
    "boolean expires_in": (_json("tok-abc123", "true"), "expires_in"),
    "1e12 expires_in": (_json("tok-abc123", "1e12"), "expires_in"),
    "negative expires_in": (_json("tok-abc123", "-900"), "expires_in"),
    "10 MB token": (_json("t" * 10_000_000, "900"), "access_token"),
    "token with CR/LF": (_json("tok\\r\\nX-Injected: 1", "900"), "access_token"),
    "token with non-ASCII": (_json("tok-\\u00e9t\\u00e9", "900"), "access_token"),
    "token with a space": (_json("tok abc", "900"), "access_token"),
    "token not a string": ('{"access_token": 12345678, "expires_in": 900}', "access_token"),
    "XML 400-digit expiresIn": (f"<OAuthTokenDTO><accessToken>tok-abc123</accessToken>"
                                f"<expiresIn>{HUGE}</expiresIn></OAuthTokenDTO>", "expiresIn"),
    "XML token with a line break": ("<OAuthTokenDTO><accessToken>tok&#10;abc</accessToken>"
                                    "<expiresIn>900</expiresIn></OAuthTokenDTO>", "accessToken"),
}


@pytest.mark.parametrize("case", sorted(ABSURD))
def test_an_absurd_answer_is_a_token_response_error_naming_the_field(
        case: str, provider: shim.TokenProvider, server: EmulatorServer) -> None:
    body, field = ABSURD[case]
    content_type = "application/xml" if body.startswith("<") else "application/json"
    server.emulator.register("POST", "/v3/token", headers=[("Content-Type", content_type)],
                             body=body)
    with pytest.raises(shim.TokenResponseError) as caught:
        provider.token()
    message = str(caught.value)
    assert field in message
    assert "tok-abc123" not in message and "ttttttttt" not in message
    assert len(message) < 400
    assert provider.cached is None


@pytest.mark.parametrize(("expires_in", "seconds"), [("900", 900.0), ('"900"', 900.0),
                                                     ("899.5", 899.5), ("1", 1.0)])
def test_ordinary_lifetimes_are_read(expires_in: str, seconds: float, provider: shim.TokenProvider,
                                     server: EmulatorServer) -> None:
    server.emulator.register("POST", "/v3/token", headers=[("Content-Type", "application/json")],
                             body=_json("tok-fine.abc_123-XYZ~+/=", expires_in))
    assert provider.token() == "tok-fine.abc_123-XYZ~+/="
    assert provider.cached is not None and provider.cached.expires_in == seconds
