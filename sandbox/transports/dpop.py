"""TOKEN_BINDING=dpop: tokens bound to a key the client holds (RFC 9449).

The token travels as a header transport's does, under the `DPoP` scheme, and every request
also carries a proof (`DPoP` header) signed by the key; a login or a refresh binds what it
issues to the key its proof names. The proof is checked here, before the strategy sees the
token (`sandbox.dpop`); the strategy compares the key it proved with its token's
(`strategies.capabilities.KeyBinding`). A stolen token is useless without the key, and a
stolen proof is good for one request, to one method and URL, within DPOP_PROOF_MAX_AGE.
"""

from collections.abc import Mapping
from typing import Any, cast

from flask import request

from sandbox.dpop import ALGORITHMS, ProcessReplays, ProofChecker, StoreReplays, replay_window
from sandbox.transports.header import HeaderTransport, credentials
from strategies.base import IssuedToken, Strategy
from strategies.capabilities import KeyBinding
from strategies.errors import AuthError, BadDPoPGrant, BoundTokenWithoutProof, InvalidDPoPProof
from strategies.settings import Setting, whole_number
from strategies.token_store import Store
from strategies.users import User

SCHEME = "DPoP"
PROOF_IDS = "DPoP proof ids"  # what the replay cache's keys hold, as reports name it
PROOF_HEADER = "DPoP"


class DPoPTransport(HeaderTransport):
    binding = "dpop"
    settings = (
        Setting(
            "DPOP_PROOF_MAX_AGE",
            60,
            "with TOKEN_BINDING=dpop: seconds around the server's clock within which a DPoP "
            "proof's iat is accepted (its jti is remembered twice as long, to refuse replays)",
            whole_number(1, "second(s)"),
        ),
    )

    def __init__(
        self,
        strategy: Strategy,
        config: Mapping[str, Any],
        instance_path: str,
        store: Store | None = None,
    ):
        super().__init__(strategy, config, instance_path, store)
        # configure refused a strategy that cannot bind its tokens (sandbox.transports).
        self.bound = cast(KeyBinding, strategy)
        max_age = config["DPOP_PROOF_MAX_AGE"]
        window = replay_window(max_age)
        # Where the configuration keeps a token store, every worker sees every proof.
        replays = (
            StoreReplays(store, config["REDIS_KEY_PREFIX"], window)
            if store is not None
            else ProcessReplays(window)
        )
        self.proofs = ProofChecker(max_age, replays)

    def store_keys(self) -> Mapping[str, str]:
        replays = self.proofs.replays
        return {replays.prefix: PROOF_IDS} if isinstance(replays, StoreReplays) else {}

    @property
    def scheme(self) -> str:
        return SCHEME

    def token(self) -> str:
        header = request.headers.get("Authorization")
        if header is not None and header.strip().lower().startswith("bearer "):
            raise BoundTokenWithoutProof()  # a downgrade to a bearer token
        return credentials(header, SCHEME)

    def _granted_key(self) -> str:
        """The key a login or refresh proves: without a valid proof, nothing is issued (400)."""
        try:
            return proved_key(self.proofs)
        except InvalidDPoPProof as error:
            raise BadDPoPGrant(error.message) from None

    def issue(self, user: User, password: str) -> IssuedToken:
        return self.bound.issue_bound(user, password, self._granted_key())

    def authenticate(self, token: str) -> User:
        return self.bound.authenticate_bound(token, proved_key(self.proofs, token))

    def refresh(self, refresh_token: str) -> tuple[User, IssuedToken]:
        return self.bound.refresh_bound(refresh_token, self._granted_key())

    def challenge(self, error: AuthError) -> str:
        return dpop_challenge(error)


def dpop_challenge(error: AuthError) -> str:
    """A 401's `WWW-Authenticate` under DPoP (RFC 9449 §7.1): the algorithms a proof may use,
    and which check failed, if any."""
    value = f'{SCHEME} algs="{" ".join(ALGORITHMS)}"'
    if isinstance(error, InvalidDPoPProof):
        return value + f', error="{error.error_code}"'
    return value + ', error="invalid_token"' if error.token_sent else value


def proved_key(checker: ProofChecker, token: str | None = None) -> str:
    """The thumbprint of the key that signed the current request's one proof, made for this
    request (beside `token`, where one is sent); InvalidDPoPProof otherwise."""
    # A server joins repeated headers into one, comma-separated (RFC 9110 §5.3); a JWT holds
    # no comma, so each part is one proof as sent.
    sent = request.headers.getlist(PROOF_HEADER)
    proofs = [part.strip() for value in sent for part in value.split(",")]
    return checker.key_of(proofs, request.method, request.base_url, token)
