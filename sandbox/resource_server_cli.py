"""`auth-sandbox resource-server`: another service that verifies the sandbox's tokens, with its
published keys (--jwks) or by asking it (--introspect); see sandbox/resource_server.py."""

import click

from sandbox.introspection_client import Introspector
from sandbox.resource_server import (
    DEFAULT_CACHE_LIFESPAN,
    DEFAULT_DPOP_PROOF_MAX_AGE,
    DEFAULT_REFETCH_INTERVAL,
    checked_url,
    create_resource_server,
)
from strategies.jwt_claims import DEFAULT_AUDIENCE, DEFAULT_ISSUER


@click.command("resource-server")
@click.option(
    "--jwks",
    "jwks_url",
    metavar="URL",
    help="The JWK Set to verify with, e.g. http://127.0.0.1:5000/.well-known/jwks.json",
)
@click.option(
    "--introspect",
    "introspect_url",
    metavar="URL",
    help="Verify by asking the sandbox instead (RFC 7662), e.g. "
    "http://127.0.0.1:5000/introspect; with --client.",
)
@click.option(
    "--client",
    envvar="INTROSPECTION_CLIENT",
    show_envvar=True,
    metavar="ID:SECRET",
    help="--introspect: this server's client_id:client_secret, one of the sandbox's "
    "INTROSPECTION_CLIENTS.",
)
@click.option(
    "--cache-ttl",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="--introspect: seconds an answer is reused after the request that fetched it (never "
    "past the token's exp): the revocation window it buys; 0: every request asks.",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5001, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--refetch-interval",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_REFETCH_INTERVAL,
    show_default=True,
    help="Seconds: at most one fetch of the JWK Set this often for a token whose kid it does "
    "not hold, and between two tries while the JWKS cannot be fetched.",
)
@click.option(
    "--cache-lifespan",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_CACHE_LIFESPAN,
    show_default=True,
    help="Seconds a fetched JWK Set is used before it is fetched again: the longest a key the "
    "issuer stops publishing is still accepted.",
)
@click.option(
    "--issuer",
    envvar="JWT_ISSUER",
    show_envvar=True,
    default=DEFAULT_ISSUER,
    show_default=True,
    help="The iss every token must carry (the sandbox's JWT_ISSUER).",
)
@click.option(
    "--audience",
    envvar="JWT_AUDIENCE",
    show_envvar=True,
    default=DEFAULT_AUDIENCE,
    show_default=True,
    help="The aud every token must carry (the sandbox's JWT_AUDIENCE).",
)
@click.option(
    "--dpop-proof-max-age",
    envvar="DPOP_PROOF_MAX_AGE",
    show_envvar=True,
    type=click.IntRange(min=1),
    default=DEFAULT_DPOP_PROOF_MAX_AGE,
    show_default=True,
    help="Seconds around this server's clock within which the iat of a DPoP proof is accepted "
    "(the sandbox's DPOP_PROOF_MAX_AGE), for tokens bound to a key.",
)
def resource_server_cli(
    jwks_url: str | None,
    introspect_url: str | None,
    client: str | None,
    cache_ttl: float,
    host: str,
    port: int,
    refetch_interval: float,
    cache_lifespan: float,
    issuer: str,
    audience: str,
    dpop_proof_max_age: int,
) -> None:
    """Serve GET /protected, which verifies the sandbox's JWTs with the keys at --jwks alone,
    or any of its tokens by introspection (--introspect)."""
    if (jwks_url is None) == (introspect_url is None):
        raise click.UsageError("give one of --jwks URL and --introspect URL")
    if introspect_url is not None:
        serve_introspecting(introspect_url, client, cache_ttl, host, port, dpop_proof_max_age)
        return
    assert jwks_url is not None
    try:
        checked_url(jwks_url)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--jwks") from None
    try:
        app = create_resource_server(
            jwks_url,
            issuer=issuer,
            audience=audience,
            refetch_interval=refetch_interval,
            cache_lifespan=cache_lifespan,
            dpop_proof_max_age=dpop_proof_max_age,
        )
    except ValueError as error:  # a time that is not finite
        raise click.UsageError(str(error)) from None
    click.echo(
        f"verifying access tokens of iss {issuer!r} and aud {audience!r} with the keys at "
        f"{jwks_url} (fetched again after {cache_lifespan:g} s, or for a new kid at most every "
        f"{refetch_interval:g} s)"
    )
    app.run(host=host, port=port)


def serve_introspecting(
    url: str, client: str | None, cache_ttl: float, host: str, port: int, proof_max_age: int
) -> None:
    try:
        checked_url(url, "the introspection URL")
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--introspect") from None
    client_id, colon, secret = (client or "").partition(":")
    if not colon or not client_id or not secret:
        raise click.BadParameter(
            "give this server's client_id:client_secret", param_hint="--client"
        )
    introspector = Introspector(url, client_id, secret, cache_ttl)
    app = create_resource_server(None, introspection=introspector, dpop_proof_max_age=proof_max_age)
    reuse = f"reused for up to {cache_ttl:g} s" if cache_ttl else "asked on every request"
    click.echo(f"verifying tokens by introspection at {url} ({reuse})")
    app.run(host=host, port=port)
