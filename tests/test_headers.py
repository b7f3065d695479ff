"""Reading `Authorization` strictly (pure functions, no app)."""

import base64

import pytest

from sandbox.transports.header import credentials
from strategies.basic import decode_basic
from strategies.errors import InvalidCredentials, MissingCredentials


def b64(text: bytes) -> str:
    return base64.b64encode(text).decode()


@pytest.mark.parametrize("header", [None, "", "   "])
def test_no_header_is_missing_credentials(header):
    with pytest.raises(MissingCredentials):
        credentials(header, "Bearer")


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_the_scheme_is_case_insensitive(scheme):
    assert credentials(f"{scheme} abc.def-ghi_jkl~", "Bearer") == "abc.def-ghi_jkl~"


@pytest.mark.parametrize(
    "header",
    [
        "Basic abc",
        "Token abc",
        "Bearer",
        "Bearer ",
        "Bearer a b",
        "Bearer a, Bearer b",
        "Bearer a=b",
        "Bearer ab\x00",
        "Bearer ab\xe9",
        "Bearer a\tb",
    ],
)
def test_anything_but_one_token68_under_the_scheme_is_invalid(header):
    with pytest.raises(InvalidCredentials):
        credentials(header, "Bearer")


def test_basic_credentials_decode_to_user_and_password():
    assert decode_basic(b64(b"alesanchezr:12341234")) == ("alesanchezr", "12341234")
    assert decode_basic(b64(b"user:pass:with:colons")) == ("user", "pass:with:colons")
    assert decode_basic(b64("jos\u00e9:contrase\u00f1a".encode())) == (
        "jos\u00e9",
        "contrase\u00f1a",
    )


@pytest.mark.parametrize(
    "token",
    [
        b64(b"no colon"),
        "YWxlc2FuY2hlenI",
        "YWxl*c2Fu",
        b64(b"\xff\xfe:latin1"),
        b64(b"ale\x00:12341234"),
        b64(b"alesanchezr:1234\n"),
    ],
)
def test_malformed_basic_credentials_are_invalid(token):
    with pytest.raises(InvalidCredentials):
        decode_basic(token)
