"""`auth-sandbox compare`: every format parses, every strategy and variant is present, files
are written; the revocation windows, store bytes and round trips follow the strategies' facts."""

import base64
import csv
import io
import json
from base64 import b64encode
from typing import Any

import pytest
from click.testing import CliRunner

from benchmarks import anatomy, measurable
from benchmarks.anatomy import ENCODED_CREDENTIALS, OPAQUE, SIGNED_JSON
from benchmarks.compare.browser import NOT_ASKED
from benchmarks.compare.claims.weighing import bound, own
from benchmarks.compare.elsewhere import CACHED, INTROSPECTION, JWKS
from benchmarks.compare.forgery.leak import SIGNING_KEY, TOKEN_STORE, USER_TABLE, leak_yields
from benchmarks.compare.forgery.verifier import verifier_forgery
from benchmarks.compare.report import to_csv, to_json, to_markdown
from benchmarks.compare.store_use import LIMITS
from benchmarks.compare.subject import PROBE_PASSWORD, PROBE_USERNAME, Subject
from benchmarks.compare.topics import TOPICS
from benchmarks.harness.processes import free_port
from benchmarks.harness.round_trips import OTHER
from benchmarks.load.plan import Options, plan
from sandbox.cli import main
from sandbox.config import throwaway_settings
from strategies import registry
from tests.conftest import CHEAP_HASH

EVENTS = {"logout", "password_change", "user_deletion", "refresh_token_reuse"}
# The name of each variant the strategies declare, as the bench labels it too.
CONFIGURATIONS = measurable.configurations(registry.names())
LABELS = [configuration.label for configuration in CONFIGURATIONS]


@pytest.mark.measures
def test_json_holds_every_measurement_for_every_strategy_and_variant(comparison):
    parsed = json.loads(to_json(comparison))
    assert set(parsed) == {"environment", "strategies", "not_measured", "browser", "claims"}
    assert parsed["not_measured"] == {}  # a store that refuses no configuration
    assert parsed["browser"] == {"measured": False, "why": NOT_ASKED}  # asked with --browser
    assert list(parsed["strategies"]) == LABELS
    assert {"jwt + denylist", "jwt + refresh", "jwt + refresh + denylist"} <= set(LABELS)
    for result in parsed["strategies"].values():
        assert set(result) == {
            "strategy",
            "token",
            "store",
            "round_trips",
            "refresh",
            "cost",
            "store_down",
            "logout",
            "revocation",
            "expiry",
            "restart",
            "leak",
            "verifier_forgery",
            "leak_yields",
            "verified_elsewhere",
            "at_a_distance",
            "tamper",
            "unauthenticated",
            "replay_from_another_client",
            "alg_none_status",
        }
        assert set(result["revocation"]) == EVENTS
        for timing in ("public", "request", "sign", "authenticate", "refused"):
            assert result["cost"][timing]["median_ms"] <= result["cost"][timing]["p95_ms"]
            # How many runs each timing took, within the bounds the environment states.
            bounds = parsed["environment"]["samples_per_timing"]
            assert bounds["at_least"] <= result["cost"][timing]["samples"] <= bounds["at_most"]
    for claim in parsed["claims"]:
        assert set(claim) == {"id", "claim", "verdict", "reason", "evidence", "source"}


def test_compare_and_bench_measure_the_same_labels_with_the_same_settings():
    targets = plan(Options(strategies=registry.names()))[1:]  # after the /public baseline
    assert [(t.label, t.strategy, dict(t.settings)) for t in targets] == [
        (c.label, c.name, dict(c.settings)) for c in CONFIGURATIONS
    ]


@pytest.mark.measures
def test_each_variant_runs_with_its_settings_under_its_bench_label(comparison):
    for label, name, settings in CONFIGURATIONS:
        result = comparison["strategies"][label]
        assert result["strategy"]["name"] == name
        assert result["strategy"]["label"] == label
        assert result["strategy"]["variant_settings"] == settings
        if "TOKEN_TTL" in settings:
            assert result["expiry"]["expires_in"] == settings["TOKEN_TTL"]
    # Variants differ in what they were measured to do, not only in their names.
    facts = {
        label: (r["strategy"]["revocable"], r["strategy"]["refresh_tokens"])
        for label, r in comparison["strategies"].items()
        if r["token"]["kind"] == SIGNED_JSON
    }
    assert set(facts.values()) == {(False, False), (True, False), (False, True), (True, True)}


@pytest.mark.measures
def test_csv_has_one_row_per_strategy_and_variant(comparison):
    rows = list(csv.DictReader(io.StringIO(to_csv(comparison))))
    assert [row["strategy.label"] for row in rows] == LABELS
    assert [row["strategy.name"] for row in rows] == [c.name for c in CONFIGURATIONS]
    assert all(int(row["token.bytes"]) > 0 for row in rows)


@pytest.mark.measures
def test_markdown_is_a_table_per_topic_with_a_row_per_label_then_the_claims(comparison):
    text = to_markdown(comparison)
    titles = [f"**{topic.title}**" for topic in TOPICS]
    assert all(title in text for title in titles)
    # A row in the overview, then one in each topic's table.
    assert all(text.count(f"\n| {label} |") == 1 + len(TOPICS) for label in LABELS)
    assert all(f"| {claim['id']} |" in text for claim in comparison["claims"])
    assert "**Claims of our own, not the lesson's**" in text


@pytest.mark.measures
def test_every_report_says_its_commit_and_the_command_that_regenerates_it(comparison):
    environment = comparison["environment"]
    assert environment["commit"] and environment["command"]
    assert f"Commit {environment['commit']}; regenerate with `" in to_markdown(comparison)


@pytest.mark.measures
def test_every_one_character_change_is_tried_however_slow_the_strategy(comparison):
    # Basic pays a password hash per try, and the fixture's time budget is tiny: still all.
    # The changes are made to the probe user's token, whose cheap hash keeps them quick.
    credentials = b64encode(f"{PROBE_USERNAME}:{PROBE_PASSWORD}".encode()).decode()
    for result in comparison["strategies"].values():
        if result["token"]["kind"] == ENCODED_CREDENTIALS:
            assert result["tamper"]["tried"] == len(anatomy.changes(credentials, 48))


@pytest.mark.measures
def test_revocation_windows_follow_the_strategies_facts(comparison):
    for label, r in comparison["strategies"].items():
        facts, events = r["strategy"], r["revocation"]
        # A new password or a deleted user: every token refused from the next request.
        for event in ("password_change", "user_deletion"):
            assert events[event]["access"] == {
                "status_after": 401,
                "refused": True,
                "window_s": 0,
                "upper_bound": False,
            }, label
            assert (events[event]["refresh"] is not None) == facts["refresh_tokens"], label
            assert events[event]["refresh"] is None or events[event]["refresh"]["refused"]
        logout, reuse = events["logout"], events["refresh_token_reuse"]
        assert logout["applicable"] == (logout["status"] in (200, 204))
        assert logout["access"]["refused"] == facts["revocable"], label
        if not facts["revocable"]:  # still accepted for what is left of its life, at most
            expires_in = r["expiry"]["expires_in"]
            assert logout["access"]["upper_bound"]
            if expires_in is None:
                assert logout["access"]["window_s"] is None
            else:
                assert expires_in - 5 <= logout["access"]["window_s"] <= expires_in
        assert reuse["applicable"] == facts["refresh_tokens"], label
        if facts["refresh_tokens"]:
            # A spent refresh token sent again: the login's refresh token is refused, its
            # access tokens too where logout refuses them.
            assert reuse["status"] == 401
            assert logout["refresh"]["refused"] and reuse["refresh"]["refused"]
            assert reuse["access"]["refused"] == facts["revocable"], label
        else:
            assert reuse["status"] == 501 and reuse["access"] is None and reuse["refresh"] is None


@pytest.mark.measures
def test_store_bytes_per_login_live_and_logged_out(comparison):
    for label, r in comparison["strategies"].items():
        facts, store = r["strategy"], r["store"]
        if not facts["stateful"]:
            assert store["keys_per_token"] == store["bytes_per_token"] == 0, label
        if store["logout_status"] == 501:
            assert store["revoked"] is None and not facts["revocable"], label
        else:  # a logged-out login keeps at least what a live one does, and something
            revoked = store["revoked"]
            assert revoked["keys_per_token"] >= max(store["keys_per_token"], 1), label
            assert revoked["bytes_per_token"] > 0
    # A denylist of revoked logins (revocable, no other state) stores nothing per live login.
    denylists = [
        r
        for r in comparison["strategies"].values()
        if r["token"]["kind"] == SIGNED_JSON
        and r["strategy"]["revocable"]
        and not r["strategy"]["refresh_tokens"]
    ]
    assert denylists
    for r in denylists:
        assert r["store"]["keys_per_token"] == r["store"]["bytes_per_token"] == 0
        assert r["store"]["revoked"]["keys_per_token"] == 1
    # Refresh tokens keep a record per login, live or logged out.
    for r in comparison["strategies"].values():
        if r["strategy"]["refresh_tokens"]:
            assert r["store"]["keys_per_token"] == 1 and r["store"]["bytes_per_token"] > 0


@pytest.mark.measures
def test_redis_round_trips_per_request_login_refresh_and_logout(comparison):
    # With fakeredis the failed-login limits count in the process: no round trip of theirs.
    real = not comparison["environment"]["token_store"].startswith("fakeredis")
    per_password = set()
    for label, r in comparison["strategies"].items():
        facts, trips = r["strategy"], r["round_trips"]
        assert set(trips) == {"request", "first_request", "login", "refresh", "logout"}
        for counted in (trips[op] for op in trips if trips[op] is not None):
            assert counted["redis"] == sum(counted["by_purpose"].values()) == len(counted["trips"])
            # Counted in the steady state: no connection opened, no script loaded, and every
            # round trip is for keys the strategy or the limits declare.
            assert OTHER not in counted["by_purpose"], label
        # Refusing a token after logout costs a look-up on a token's first request, and on
        # every request after unless a cache answers it (STORE_CACHE); nothing else does.
        assert bool(own(trips["first_request"])) == facts["revocable"], label
        assert own(trips["request"]) in ({}, own(trips["first_request"])), label
        # Every login checks the failed-login limits (per username, per client) first.
        limit_checks = trips["login"]["by_purpose"].get(LIMITS, 0)
        assert limit_checks == (2 if real else 0), label
        # So does every request whose credentials are a password, unless they are remembered.
        on_request = trips["request"]["by_purpose"].get(LIMITS, 0)
        if r["token"]["kind"] == ENCODED_CREDENTIALS:
            per_password.add(on_request)
            if not facts["variant_settings"]:  # by default nothing is remembered
                assert on_request == limit_checks, label
        else:
            assert on_request == 0, label
        assert trips["request"]["user_table"] >= 1
        assert (trips["logout"] is not None) == (r["logout"]["status"] < 300), label
        if facts["revocable"]:  # logout writes what the next request looks up
            assert own(trips["logout"]), label
    # A variant that remembers verified credentials (Basic's cache) skips them on a hit.
    assert per_password == ({0, 2} if real else {0})


@pytest.mark.measures
def test_refresh_round_trips_and_what_refresh_tokens_add_to_the_login(comparison):
    for label, r in comparison["strategies"].items():
        facts, refresh, trips = r["strategy"], r["refresh"], r["round_trips"]["refresh"]
        assert refresh["offered"] == facts["refresh_tokens"], label
        if facts["refresh_tokens"]:
            assert refresh["status"] == 200
            # One script, whatever it does; nothing of the limits: no password is sent. Where
            # tokens are bound to a key, the proof's id is recorded first (one SET).
            proof = bound(r)
            assert trips["redis"] == 1 + proof and set(trips["by_purpose"]) == set(own(trips))
            assert trips["trips"][proof]["commands"] in ("EVALSHA", "EVAL")
            assert trips["user_table"] >= 1
            # A login writes the login's refresh state.
            assert own(r["round_trips"]["login"])
            # Both fields, named and quoted, on top of the token itself.
            assert refresh["refresh_adds_bytes"] > refresh["refresh_token_bytes"] > 0
            assert refresh["refresh_expires_in"] > r["expiry"]["expires_in"]
        else:
            assert refresh["status"] == 501 and trips is None
            assert refresh["refresh_adds_bytes"] == refresh["refresh_token_bytes"] == 0
        assert refresh["token_body_bytes"] > r["token"]["bytes"] + refresh["refresh_adds_bytes"]


@pytest.mark.measures
def test_the_command_prints_json_on_stdout_and_writes_its_files(tmp_path, monkeypatch):
    monkeypatch.setenv("PASSWORD_HASH_METHOD", CHEAP_HASH)
    output = tmp_path / "out"
    compare = ["compare", "--format", "json", "--strategies", "bearer,jwt", "--budget", "0.05"]
    result = CliRunner().invoke(main, [*compare, "--output", str(output)])
    assert result.exit_code == 0, result.output
    parsed = json.loads(result.stdout)
    selected = [c.label for c in measurable.configurations(["bearer", "jwt"])]
    assert list(parsed["strategies"]) == selected  # a strategy's variants come along
    assert selected[0] == "bearer" and {"jwt", "jwt + denylist"} <= set(selected)
    assert {"C3", "C7", "C9", "A1", "A2", "A3"} <= {c["id"] for c in parsed["claims"]}
    assert "C4" not in {c["id"] for c in parsed["claims"]}  # it needs a Basic-style token
    written = json.loads((output / "comparison.json").read_text())
    assert list(written["strategies"]) == selected
    assert (output / "comparison.md").read_text().startswith("**")
    assert (output / "comparison.png").read_bytes().startswith(b"\x89PNG")
    assert "data:image/png;base64," in (output / "comparison.html").read_text()


def test_an_unknown_strategy_is_a_usage_error_listing_the_known_ones():
    result = CliRunner().invoke(main, ["compare", "--strategies", "jwt,kerberos"])
    assert result.exit_code == 2
    assert "kerberos" in result.output and "basic, bearer, jwt" in result.output


def jwts_signed_with(comparison: dict[str, Any], algorithm: str) -> list[dict[str, Any]]:
    """The JWT configurations whose token's header names `algorithm`, keeping no state and
    bound to no key."""
    return [
        r
        for r in comparison["strategies"].values()
        if (r["token"]["signature"] or {}).get("algorithm") == algorithm
        and not r["strategy"]["stateful"]
        and not bound(r)
    ]


@pytest.mark.measures
def test_a_jwt_s_signature_is_as_long_as_its_algorithm_makes_it(comparison):
    expected = {"HS256": 32, "RS256": 256, "ES256": 64, "EdDSA": 64}  # RSA-2048; P-256; Ed25519
    for r in comparison["strategies"].values():
        signature = r["token"]["signature"]
        assert (signature is not None) == (r["token"]["kind"] == SIGNED_JSON)
        if signature is not None:
            assert signature["bytes"] == expected[signature["algorithm"]]
    assert all(jwts_signed_with(comparison, algorithm) for algorithm in expected)
    # A public key's token also names its key (kid): bigger than its signature alone makes it.
    (hs256,), (eddsa,), (rs256,) = (
        jwts_signed_with(comparison, a) for a in ("HS256", "EdDSA", "RS256")
    )
    assert eddsa["token"]["bytes"] - hs256["token"]["bytes"] > (64 - 32) * 4 / 3
    assert rs256["token"]["bytes"] - eddsa["token"]["bytes"] == pytest.approx(
        (256 - 64) * 4 / 3, abs=2
    )


@pytest.mark.measures
def test_signing_is_timed_on_issue_alone_and_verifying_on_authenticate(comparison):
    for label, r in comparison["strategies"].items():
        cost = r["cost"]
        assert cost["sign"]["samples"] >= 5, label
        # A part of a request, as a share of the whole /protected call, never of /public.
        share = cost["sign"]["median_ms"] / cost["request"]["median_ms"]
        assert cost["sign_share"] == pytest.approx(share, abs=1e-4), label
        share = cost["authenticate"]["median_ms"] / cost["request"]["median_ms"]
        assert cost["authenticate_share"] == pytest.approx(share, abs=0.01), label
        # issue() alone: no password hash, where a Basic request pays one (the default hash
        # is scrypt, the fixture's a cheap PBKDF2: both cost more than encoding the token)
        if r["token"]["kind"] == ENCODED_CREDENTIALS and not r["strategy"]["variant_settings"]:
            assert cost["sign"]["median_ms"] * 10 < cost["authenticate"]["median_ms"], label
    # An RSA signature costs many HMACs; the fixture's budget is small, the gap is not.
    (hs256,), (rs256,) = (
        jwts_signed_with(comparison, "HS256"),
        jwts_signed_with(comparison, "RS256"),
    )
    assert rs256["cost"]["sign"]["median_ms"] > 2 * hs256["cost"]["sign"]["median_ms"]
    markdown = to_markdown(comparison)
    assert "| sign: issue() | verify: authenticate |" in markdown
    for r in comparison["strategies"].values():
        assert f"+{r['cost']['sign']['median_ms']:.3f} ms" in markdown


@pytest.mark.measures
def test_a_verifier_forges_where_the_key_that_verifies_also_signs(comparison):
    for label, r in comparison["strategies"].items():
        forgery, kind, facts = r["verifier_forgery"], r["token"]["kind"], r["strategy"]
        if facts["publishes_jwks"]:  # public keys: they cannot sign, nor pass for a secret
            assert forgery["measured"] and forgery["can_forge"] is False, label
            assert forgery["holds"] == "the JWK Set (1 public key)"
            signing = [t for t in forgery["tries"] if t["how"].startswith("signed")]
            confused = [t for t in forgery["tries"] if t not in signing]
            assert signing and all(t["status"] is None for t in signing)
            # Said for a reader, not as the exception Python raised.
            assert all(t["error"] == "the JWK Set holds no private key" for t in signing), label
            assert "Error)" not in forgery["how"], label
            assert len(confused) == 2 and all(t["status"] == 401 for t in confused), label
        elif kind == SIGNED_JSON:  # the secret that verifies is the secret that signs
            assert forgery["can_forge"] is True and forgery["accepted"] == 1, label
            assert forgery["holds"] == "the shared secret (JWT_SECRET_KEY)"
        elif kind == ENCODED_CREDENTIALS:  # a hash is not the password
            assert forgery["can_forge"] is False and forgery["tries"][0]["status"] == 401
        elif kind == OPAQUE and facts["stateful"]:  # whoever can write the store, mints
            assert forgery["can_forge"] is True and forgery["holds"] == "the token store"
            assert (
                "token:<SHA256 (first 128 bits), base64url of a token of its own>" in forgery["how"]
            )
        else:  # e.g. a PASETO: its public key is published nowhere the interface can see
            assert not forgery["measured"] and forgery["can_forge"] is None, label
    answers = {r["verifier_forgery"]["can_forge"] for r in comparison["strategies"].values()}
    assert {True, False} <= answers


@pytest.mark.measures
def test_a_service_that_verifies_with_the_jwks_never_hears_of_a_revocation(comparison):
    published = 0
    for r in comparison["strategies"].values():
        if not r["strategy"]["publishes_jwks"]:
            assert JWKS not in r["verified_elsewhere"]
            continue
        published += 1
        elsewhere = r["verified_elsewhere"][JWKS]
        assert elsewhere["round_trips_per_request"] == 0
        change = elsewhere["password_change"]
        assert change["accepted_before"]
        assert change["sandbox_after"] == 401  # the user's token generation moved on
        assert change["resource_server_after"] == 200  # it holds only the token and the keys
        assert 0 < change["resource_server_window_s"] <= r["expiry"]["expires_in"]
        logout = elsewhere["logout"]
        assert logout["resource_server_after"] == 200
        assert logout["sandbox_after"] == (401 if r["strategy"]["revocable"] else 200)
    assert published >= 3  # RS256, ES256, EdDSA


@pytest.mark.measures
def test_introspection_hears_of_every_revocation_and_a_cache_trades_it_for_round_trips(
    comparison,
):
    asked = 0
    for label, r in comparison["strategies"].items():
        if r["token"]["kind"] == ENCODED_CREDENTIALS:  # a password is never introspected
            assert INTROSPECTION not in r["verified_elsewhere"], label
            continue
        asked += 1
        every, cached = r["verified_elsewhere"][INTROSPECTION], r["verified_elsewhere"][CACHED]
        assert every["round_trips_per_request"] == 1 and cached["round_trips_per_request"] == 0
        for event in ("logout", "password_change"):
            here = every[event]["sandbox_after"]
            # Asked every time, it answers as the sandbox does: they cannot disagree.
            assert every[event]["resource_server_after"] == here, (label, event)
            if here == 401:  # the cached answer of before the event stands, for a while
                assert cached[event]["resource_server_after"] == 200, (label, event)
                assert 0 < cached[event]["resource_server_window_s"] <= cached["cache_ttl_s"]
    assert asked >= 10


@pytest.mark.measures
def test_a_leaked_signing_key_mints_anyone_and_a_dump_mints_no_one(comparison):
    for label, r in comparison["strategies"].items():
        leak, kind = r["leak_yields"], r["token"]["kind"]
        if kind == ENCODED_CREDENTIALS:
            assert leak["leaked"] == USER_TABLE
            # the demo user, the probe user, the revocation probes' users (one deleted), the
            # sign-cost user
            assert leak["tried"] >= 4 and leak["accepted"] == 0, label
        elif kind == OPAQUE and r["strategy"]["stateful"]:
            assert leak["leaked"] == TOKEN_STORE
            assert leak["tried"] >= 3 and leak["accepted"] == 0, label  # a key, its end, its value
        else:
            assert leak["leaked"] == SIGNING_KEY and leak["yields_tokens"], label
            (signing,) = leak["signing_files"]
            if r["strategy"]["publishes_jwks"]:  # the private key signs, not the unused secret
                assert signing.endswith("private-key.pem") and leak["tried"] == 2, label
                assert leak["control_status"] is None  # the other file was the control
            else:
                assert leak["tried"] == 1 and leak["control_status"] == 401, label
    text = to_markdown(comparison)
    assert "every user's identity until the key is rotated" in text
    assert "no signing key. A dump of its token store" in text


@pytest.fixture
def subject_of(tmp_path, redis_url, redis_prefix, monkeypatch):
    """A Subject of `name` with these settings, as compare makes one."""
    monkeypatch.setenv("PASSWORD_HASH_METHOD", CHEAP_HASH)

    def make(name: str, **settings: Any) -> Subject:
        folder = str(tmp_path / name)
        return Subject(throwaway_settings(name, folder, redis_url, redis_prefix, **settings))

    return make


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_verifier_is_weighed_by_what_is_published_not_by_the_algorithm(subject_of, monkeypatch):
    # An HS256 secret published in the JWK Set (as a JWK of kty "oct"): a verifier can sign.
    subject = subject_of("jwt")
    secret = subject.strategy.config["JWT_SECRET_KEY"].encode()
    published = {"kty": "oct", "k": b64url(secret), "alg": "HS256"}
    monkeypatch.setattr(subject.strategy, "jwks", lambda: {"keys": [published]})
    forgery = verifier_forgery(subject)
    assert forgery["can_forge"] is True
    assert forgery["holds"] == "the JWK Set (1 key, 1 of them not public)"
    assert forgery["tries"][0]["status"] == 200


def test_a_paseto_that_published_its_public_key_would_be_weighed_as_the_jwts_are(
    subject_of, monkeypatch
):
    if "paseto" not in registry.names():
        pytest.skip("the PASETO plug-in is not installed")
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from jwt.algorithms import OKPAlgorithm

    subject = subject_of("paseto")
    assert not verifier_forgery(subject)["measured"]  # today: its key is published nowhere
    paserk = subject.strategy.config["PASETO_SECRET_KEY"].removeprefix("k4.secret.")
    seed = base64.urlsafe_b64decode(paserk + "=" * (-len(paserk) % 4))[:32]
    public = Ed25519PrivateKey.from_private_bytes(seed).public_key()
    jwk = {**OKPAlgorithm.to_jwk(public, as_dict=True), "alg": "EdDSA"}
    # As a plug-in that implements strategies.capabilities.PublishedKeys would.
    monkeypatch.setattr(subject.strategy, "jwks", lambda: {"keys": [jwk]}, raising=False)
    forgery = verifier_forgery(subject)
    assert forgery["measured"] and forgery["can_forge"] is False
    assert forgery["accepted"] == 0 and forgery["tried"] == 3
    # Its signing key, leaked, still makes anyone's token.
    leak = leak_yields(subject)
    assert leak["yields_tokens"] and leak["signing_files"] == ["paseto-secret-key"]


def test_a_store_that_kept_tokens_themselves_would_yield_them_in_a_dump(subject_of, monkeypatch):
    # The dump's tries find whatever the store holds: had it kept the token, a dump mints.
    subject = subject_of("bearer")
    store, prefix = subject.strategy.store, subject.config["REDIS_KEY_PREFIX"]
    assert leak_yields(subject)["accepted"] == 0
    store.set(prefix + "token:kept-raw", subject.issued["token"])
    assert leak_yields(subject)["accepted"] >= 1


def test_a_redis_url_that_cannot_be_used_stops_bench_in_one_line_before_it_starts(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")  # nothing listens
    out = tmp_path / "out"
    bench = ["bench", "--strategies", "basic", "--duration", "1", "--output", str(out)]
    result = CliRunner().invoke(main, bench)
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: REDIS_URL redis://127.0.0.1:"), lines
    assert "cannot be used" in lines[0] and "unset REDIS_URL" in lines[0]
    assert not out.exists()  # no empty results folder left behind


@pytest.mark.measures
def test_a_redis_url_that_cannot_be_used_leaves_compare_what_needs_no_store(tmp_path, monkeypatch):
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")  # nothing listens
    monkeypatch.setenv("PASSWORD_HASH_METHOD", CHEAP_HASH)
    out = tmp_path / "out"
    compare = ["compare", "--strategies", "basic,bearer", "--budget", "0.05"]
    result = CliRunner().invoke(main, [*compare, "--format", "json", "--output", str(out)])
    # It ends with the one line that says why, and a non-zero exit...
    assert result.exit_code == 1
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("Error: REDIS_URL redis://127.0.0.1:") and "cannot be used" in last
    # ...having measured and written what needs no token store, and said why not the rest.
    written = json.loads((out / "comparison.json").read_text())
    assert set(written["strategies"]) == {"basic", "basic + cache"}
    assert set(written["not_measured"]) == {"bearer", "bearer + tracking", "bearer + DPoP"}
    assert all(
        why.startswith("It needs the token store, and REDIS_URL") and "cannot be used" in why
        for why in written["not_measured"].values()
    )
    assert written["environment"]["store_unreachable"] in last
    assert "Not measured: bearer. It needs the token store" in (out / "comparison.md").read_text()
