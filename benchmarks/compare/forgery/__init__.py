"""Who can mint a token: a service that only verifies them, and whoever gets the server's
keys, its token store or its user table. Each is tried in-process, and the sandbox's
/protected says whether the token made works.

What a verifier holds is read from the strategy's interface and facts, never its name:

- a strategy that publishes a JWK Set (`jwks()`): those keys (public ones, if they are);
- a token of encoded credentials (Basic): the password hashes it checks them against;
- a JWT and no JWK Set: the key that checks its signature, found among the values of the
  settings the strategy declares secret (`Setting.secret`) as the one that verifies a
  token it issued;
- an opaque token of a stateful strategy: its token store, which it reads and can write;
- otherwise the interface does not say (a PASETO, whose public key is published nowhere):
  not measured.

What a leak yields goes by the same facts: a Basic server's user table (its password
hashes), an opaque token's store (its keys and values), and otherwise the signing key: each
key file of the server's instance folder, given alone to an app of the attacker's own.

The modules: `verifier` (what a verifier holds, and whether it forges with it), `leak`
(what a leak yields) and `tries` (a forged token sent to /protected, and how tries read).
"""
