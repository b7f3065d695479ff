"""The document's components: its security scheme, schemas, headers and shared responses."""

import re

from sandbox.errors import STORE_RETRY_AFTER
from sandbox.openapi.parts import Schema, closed, error
from sandbox.request_body import MAX_REFRESH_TOKEN_LENGTH
from sandbox.transports.base import REALM, Transport
from sandbox.users import MAX_FIELD_LENGTH
from strategies.base import Strategy

PRIVATE = ("d", "p", "q", "dp", "dq", "qi", "k")  # JWK members that hold a secret


def components(
    active: Strategy, transport: Transport, max_body_bytes: int, cluster: bool
) -> Schema:
    cookie = transport.location == "cookie"
    field = {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_FIELD_LENGTH,
        "pattern": "^[^\\x00]*$",
        "description": "Unicode text without NUL characters or lone surrogates",
    }
    scheme = transport.scheme.lower()
    token_fields = {
        "token": {"type": "string", "minLength": 1},
        "token_type": {"const": transport.scheme},
    }
    refresh_fields = (
        {
            "refresh_token": {"type": "string", "minLength": 1},
            "refresh_expires_in": {"type": "integer", "minimum": 0},
        }
        if active.refresh_tokens
        else {}
    )
    described = "The token of POST /token" + (
        ", with a DPoP proof (RFC 9449) signed by its key in the DPoP header of every request"
        if transport.binding == "dpop"
        else ""
    )
    schemes = {scheme: {"type": "http", "scheme": scheme, "description": described}}
    # The challenge: a realm, or (DPoP, RFC 9449 §7.1) the algorithms a proof may use.
    challenged = 'algs="' if transport.binding == "dpop" else f'realm="{REALM}"'

    if cookie:  # the tokens travel in HttpOnly cookies; the body has the CSRF token instead
        token_fields = {
            "token": {"const": None},
            "token_type": {"const": "cookie"},
            "csrf_token": {"type": "string", "minLength": 1},
        }
        refresh_fields = refresh_fields and refresh_fields | {"refresh_token": {"const": None}}
        schemes = {
            "cookie": {
                "type": "apiKey",
                "in": "cookie",
                "name": "access_token",
                "description": "The HttpOnly cookie POST /token sets",
            }
        }
    return {
        "securitySchemes": schemes,
        "schemas": {
            "Error": {
                "description": "Every error: JSON, never HTML or a traceback",
                "type": "object",
                "properties": {"msg": {"type": "string"}},
                "required": ["msg"],
            },
            "Login": {
                "description": f"At most {max_body_bytes} bytes of JSON",
                "type": "object",
                "properties": {"username": field, "password": field},
                "required": ["username", "password"],
            },
            "Token": closed(
                {
                    **token_fields,
                    "user_id": {"type": "integer"},
                    "expires_in": {"type": ["integer", "null"], "minimum": 1},
                    "strategy": {"const": active.name},
                    **refresh_fields,
                }
            ),
            "Refresh": {
                "description": f"At most {max_body_bytes} bytes of JSON",
                "type": "object",
                "properties": {
                    "refresh_token": {**field, "maxLength": MAX_REFRESH_TOKEN_LENGTH},
                },
                "required": ["refresh_token"],
            },
            "PartialLogout": closed(
                {
                    "msg": {"type": "string"},
                    "revoked": {"type": "array", "items": {"type": "string"}},
                    "access_token_valid_for": {"type": "integer", "minimum": 0},
                }
            ),
            "JWKS": closed(
                {
                    "keys": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "properties": {
                                "kty": {"enum": ["RSA", "EC", "OKP"]},
                                "kid": {"type": "string", "minLength": 43, "maxLength": 43},
                                "alg": {"enum": ["RS256", "ES256", "EdDSA"]},
                                "use": {"const": "sig"},
                            },
                            "required": ["kty", "kid", "alg", "use"],
                            # public parameters only: never d, p, q, dp, dq, qi
                            "not": {"anyOf": [{"required": [name]} for name in PRIVATE]},
                        },
                    }
                }
            ),
            "User": closed({"id": {"type": "integer"}, "username": {"type": "string"}}),
            "HealthDown": closed(
                {
                    "status": {"const": "unavailable"},
                    "strategy": {"const": active.name},
                    "store": {"const": "down"},
                    "msg": {"type": "string"},
                }
            ),
        },
        "headers": {
            "WWW-Authenticate": {
                "description": "The challenge; its scheme has an 'x' before it for a request with "
                "'X-Requested-With: XMLHttpRequest', so that no browser opens its login dialog",
                "required": True,
                "schema": {
                    "type": "string",
                    "pattern": f"^x?{re.escape(transport.scheme)} {challenged}",
                },
            },
            "Retry-After": {"required": True, "schema": {"type": "integer", "minimum": 1}},
            "Cache-Control": {"required": True, "schema": {"const": "no-store"}},
            "Allow": {"required": True, "schema": {"type": "string"}},
        },
        "responses": {
            "Unauthorized": error(
                "Not valid credentials: missing, malformed, wrong, expired, revoked, tampered",
                "WWW-Authenticate",
            ),
            "BadLogin": error(
                "'Bad username or password': an unknown user and a wrong password alike",
                "WWW-Authenticate",
            ),
            "TooManyFailedLogins": error(
                "Too many failed logins, per user or client", "Retry-After"
            ),
            "StoreUnavailable": error(
                "The token store is down"
                + (" (of the cluster: the master that holds this request's key)" if cluster else "")
                + f": retry in {STORE_RETRY_AFTER} s",
                "Retry-After",
            ),
            "MethodNotAllowed": error("Another method than the path's", "Allow"),
        },
    }
