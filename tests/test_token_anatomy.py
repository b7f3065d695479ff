"""What a token is and what a leaked one reveals, read without a key (pure functions)."""

import base64

import jwt as pyjwt

from benchmarks import anatomy

BASIC = base64.b64encode(b"alesanchezr:12341234").decode()
OPAQUE = "AGJRsI8oULzQ2wWyTGSntMAYQoJLSYLk7LenXCiofAw"
JWT = pyjwt.encode({"sub": "1"}, "k" * 40, algorithm="HS256")


def test_each_kind_of_token_is_told_apart():
    assert anatomy.kind(BASIC) == anatomy.ENCODED_CREDENTIALS
    assert anatomy.kind(OPAQUE) == anatomy.OPAQUE
    assert anatomy.kind(JWT) == anatomy.SIGNED_JSON
    assert anatomy.kind("a94a8fe5ccb19ba61c4c0873d391e987982fbbd3") == anatomy.HEX_DIGEST


def test_a_leak_reveals_the_password_the_claims_or_nothing():
    assert anatomy.leak(BASIC) == anatomy.Leak("password", "alesanchezr:12341234")
    assert anatomy.leak(JWT).reveals == "claims" and '"sub": "1"' in anatomy.leak(JWT).decoded
    assert anatomy.leak(OPAQUE) == anatomy.Leak("nothing", None)


def test_changes_start_at_the_end_and_flag_those_that_mean_the_same():
    changes = anatomy.changes(BASIC, limit=48)
    assert changes[0].position == len(BASIC.rstrip("=")) - 1
    assert changes[0].same_meaning  # base64's unused padding bits
    assert sum(c.same_meaning for c in changes) == 1
    assert all(c.token != BASIC and len(c.token) == len(BASIC) for c in changes)


def test_changes_are_bounded_and_spread_over_every_part():
    changes = anatomy.changes(JWT, limit=20)
    assert len(changes) == 20
    assert {c.part for c in changes} == {0, 1, 2}


def test_shorten_keeps_both_ends():
    assert anatomy.shorten(OPAQUE) == "AGJRsI8oULzQ…CiofAw"
    assert anatomy.shorten("short") == "short"
