"""`auth-sandbox keys new`: a private key for JWT_PRIVATE_KEY_FILE and its public key beside it.

The private key is created with mode 0600 and O_EXCL in one system call, so it is never
readable by others, not even for an instant, and never replaces a file (nor follows a
symbolic link planted in its place). The public key goes to FILE.pub: what
JWT_VERIFY_KEY_FILES takes after the next rotation.
"""

import os
from pathlib import Path

import click

from strategies.jwt_keys import ALGORITHMS, HS256, KEY_TYPES, private_pem, public_jwk, public_pem
from strategies.settings import HOW_TO_MAKE_A_SECRET

PRIVATE_MODE = 0o600
PUBLIC_MODE = 0o644
CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)


class KeyFileError(Exception):
    """A key file that cannot be written: one line."""


def _create(path: Path, text: str, mode: int) -> None:
    """Write `text` to a new file `path` of `mode`; FileExistsError if anything is there."""
    fd = os.open(path, CREATE, mode)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as file:
            os.fchmod(file.fileno(), mode)  # the umask may have taken bits away; never adds any
            file.write(text)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def write_key_pair(algorithm: str, out: Path) -> tuple[Path, Path, str]:
    """A new key of `algorithm`: (private key file, public key file, kid). Overwrites nothing."""
    public_out = out.with_name(out.name + ".pub")
    for path in (out, public_out):
        if os.path.lexists(path):
            raise KeyFileError(f"{path} already exists; a key file is never overwritten")
    key = KEY_TYPES[algorithm].make()
    public_key = key.public_key()
    try:
        _create(out, private_pem(key), PRIVATE_MODE)
    except FileExistsError:
        raise KeyFileError(f"{out} already exists; a key file is never overwritten") from None
    except OSError as error:
        raise KeyFileError(f"{out} cannot be written: {error.strerror}") from None
    try:
        _create(public_out, public_pem(public_key), PUBLIC_MODE)
    except OSError as error:
        out.unlink(missing_ok=True)  # a private key without its public half is no use
        if isinstance(error, FileExistsError):
            raise KeyFileError(
                f"{public_out} already exists; a key file is never overwritten"
            ) from None
        raise KeyFileError(f"{public_out} cannot be written: {error.strerror}") from None
    return out, public_out, public_jwk(public_key, algorithm)["kid"]


@click.group("keys", help="Make the keys that sign JWTs (JWT_ALGORITHM RS256, ES256 or EdDSA).")
def keys_cli() -> None:
    pass


@keys_cli.command("new")
@click.option(
    "--algorithm",
    type=click.Choice(ALGORITHMS),
    required=True,
    help="RS256 (RSA 2048), ES256 (P-256) or EdDSA (Ed25519); HS256 uses JWT_SECRET_KEY instead.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The private key's file (mode 0600); its public key is written to FILE.pub.",
)
def new(algorithm: str, out: Path) -> None:
    """Write a new private key to FILE and its public key to FILE.pub; overwrite nothing."""
    if algorithm == HS256:
        raise click.ClickException(
            "HS256 signs with a shared secret, JWT_SECRET_KEY, not with a key file: "
            + HOW_TO_MAKE_A_SECRET
        )
    try:
        private, public, kid = write_key_pair(algorithm, out.absolute())
    except KeyFileError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"wrote {private} ({KEY_TYPES[algorithm].describes}, private: mode 0600)")
    click.echo(f"wrote {public} (its public key; kid {kid})")
    click.echo(f"next: JWT_ALGORITHM={algorithm} JWT_PRIVATE_KEY_FILE={private}")
    click.echo(
        "a rotation: keep the old key's public file (OLD.pub) in JWT_VERIFY_KEY_FILES "
        "(comma-separated) until its tokens have expired; after a compromise, leave it out"
    )
