"""Properties of issued tokens (ASVS 5.0 V7, RFC 6750 §5.2), for every strategy, live."""

import math

from benchmarks.anatomy import URLSAFE_ALPHABET
from tests.security.live import Live


def test_three_logins_give_three_tokens_unless_the_token_is_the_password(live: Live):
    tokens = {live.login()["token"] for _ in range(3)}
    if live.scheme == "Basic":  # RFC 7617: the credentials are the password itself
        assert len(tokens) == 1
    else:
        assert len(tokens) == 3


def test_tokens_kept_in_a_store_carry_at_least_128_random_bits(live: Live):
    tokens = [live.login()["token"] for _ in range(50)]
    if not live.facts["stateful"]:
        return  # nothing to guess at a store: the token is checked by key or by password
    assert len(set(tokens)) == len(tokens)
    alphabet = len(URLSAFE_ALPHABET)
    assert all(set(token) <= set(URLSAFE_ALPHABET) for token in tokens)
    assert min(len(token) for token in tokens) * math.log2(alphabet) >= 128


def test_a_logged_out_token_stays_refused_in_every_encoding(live: Live):
    issued = live.login()
    header = f"{issued['token_type']} {issued['token']}"
    reply = live.send("POST", "/logout", [("Authorization", header)])
    if not live.facts["revocable"]:
        assert reply.status == 501
        return
    assert reply.status == 204
    token = issued["token"]
    for variant in (
        header,
        header.lower(),
        header.upper().split(" ")[0] + " " + token,
        f"{issued['token_type']}  {token}",
        f"{issued['token_type']} {token} ",
        f"{issued['token_type']} {token}=",
        f"{issued['token_type']} {token}==",
        f"{issued['token_type']} {token.replace('-', '+').replace('_', '/')}",
    ):
        assert live.protected(variant).status == 401, variant
