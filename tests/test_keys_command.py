"""`auth-sandbox keys new`: a private key only its owner can read, its public key beside it,
nothing overwritten, and the key starts the app."""

import os
import re
import shlex
import stat
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization

from sandbox import create_app, extensions, keys
from sandbox.cli import main
from strategies.jwt_keys import KEY_TYPES, public_pem
from tests.conftest import CHEAP_HASH, DEFAULTS, auth_header, login

ASYMMETRIC = list(KEY_TYPES)  # RS256, ES256, EdDSA


def new_key(out: Path, algorithm: str = "EdDSA"):
    return CliRunner().invoke(main, ["keys", "new", "--algorithm", algorithm, "--out", str(out)])


def refused(result, complaint: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: "), result.output
    assert complaint in result.output
    assert len(result.output.splitlines()) == 1, result.output


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def jwt_app(tmp_path: Path, **settings):
    return create_app(
        {
            **DEFAULTS,
            "AUTH_STRATEGY": "jwt",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "PASSWORD_HASH_METHOD": CHEAP_HASH,
            **settings,
        }
    )


@pytest.mark.parametrize("algorithm", ASYMMETRIC)
def test_a_new_key_is_the_owners_alone_and_its_public_key_is_beside_it(tmp_path, algorithm):
    out = tmp_path / "signing.pem"
    result = new_key(out, algorithm)
    assert result.exit_code == 0, result.output
    public = tmp_path / "signing.pem.pub"
    assert mode(out) == 0o600
    assert mode(public) == 0o644
    private_key = serialization.load_pem_private_key(out.read_bytes(), password=None)
    assert isinstance(private_key, KEY_TYPES[algorithm].private)
    public_key = serialization.load_pem_public_key(public.read_bytes())
    assert public_pem(public_key) == public_pem(private_key.public_key())
    # What it wrote, and the next step.
    assert f"wrote {out} " in result.output
    assert f"wrote {public} " in result.output
    assert f"JWT_ALGORITHM={algorithm} JWT_PRIVATE_KEY_FILE={out}" in result.output
    assert "JWT_VERIFY_KEY_FILES" in result.output


def test_the_private_key_is_created_0600_exclusively_whatever_the_umask(tmp_path, monkeypatch):
    opened: list[tuple[str, int, int]] = []
    real_open = os.open

    def spy(path, flags, mode=0o777, *args, **kwargs):
        opened.append((str(path), flags, mode))
        return real_open(path, flags, mode, *args, **kwargs)

    monkeypatch.setattr(keys.os, "open", spy)
    before = os.umask(0)  # nothing taken away: the mode given at creation is the mode
    try:
        assert new_key(tmp_path / "k.pem").exit_code == 0
    finally:
        os.umask(before)
    (path, flags, created) = opened[0]
    assert path == str(tmp_path / "k.pem")
    assert flags & os.O_CREAT and flags & os.O_EXCL  # created, never an existing file opened
    assert created == 0o600  # never readable by others, not even before a chmod
    assert mode(tmp_path / "k.pem") == 0o600


def test_a_umask_that_takes_more_still_leaves_0600(tmp_path):
    before = os.umask(0o277)
    try:
        assert new_key(tmp_path / "k.pem").exit_code == 0
    finally:
        os.umask(before)
    assert mode(tmp_path / "k.pem") == 0o600


@pytest.mark.parametrize("existing", ["k.pem", "k.pem.pub"])
def test_it_overwrites_neither_file(tmp_path, existing):
    (tmp_path / existing).write_text("kept")
    refused(new_key(tmp_path / "k.pem"), "already exists; a key file is never overwritten")
    assert (tmp_path / existing).read_text() == "kept"
    assert [path.name for path in tmp_path.iterdir()] == [existing]  # the other was not written


def test_it_follows_no_symbolic_link(tmp_path):
    target = tmp_path / "elsewhere"
    (tmp_path / "k.pem").symlink_to(target)  # dangling: O_CREAT alone would create `target`
    refused(new_key(tmp_path / "k.pem"), "already exists")
    assert not target.exists()


def test_a_folder_that_does_not_exist_is_one_line(tmp_path):
    refused(new_key(tmp_path / "missing" / "k.pem"), "cannot be written: No such file or directory")


def test_hs256_is_refused_with_how_to_make_its_secret(tmp_path):
    result = new_key(tmp_path / "k.pem", "HS256")
    refused(result, "JWT_SECRET_KEY")
    assert "secrets.token_urlsafe" in result.output
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("algorithm", ["none", "HS512", "es256", "RS512"])
def test_an_unknown_algorithm_is_clicks_error(tmp_path, algorithm):
    result = new_key(tmp_path / "k.pem", algorithm)
    assert result.exit_code == 2
    assert "Invalid value for '--algorithm'" in result.output
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("algorithm", ASYMMETRIC)
def test_the_written_key_starts_the_app_and_signs_its_tokens(tmp_path, algorithm):
    out = tmp_path / "k.pem"
    result = new_key(out, algorithm)
    kid = result.output.split("kid ")[1].split(")")[0]
    app = jwt_app(
        tmp_path, SANDBOX_ENV="production", JWT_ALGORITHM=algorithm, JWT_PRIVATE_KEY_FILE=str(out)
    )
    client = app.test_client()
    (published,) = client.get("/.well-known/jwks.json").get_json()["keys"]
    assert published["kid"] == kid
    with app.app_context():
        extensions.users(app).add("erin", "a passphrase of 15+")
    issued = login(client, "erin", "a passphrase of 15+")
    assert client.get("/protected", headers=auth_header(issued)).status_code == 200


def test_a_rotation_with_the_old_public_key_publishes_both(tmp_path):
    assert new_key(tmp_path / "old.pem").exit_code == 0
    assert new_key(tmp_path / "new.pem").exit_code == 0
    app = jwt_app(
        tmp_path,
        JWT_ALGORITHM="EdDSA",
        JWT_PRIVATE_KEY_FILE=str(tmp_path / "new.pem"),
        JWT_VERIFY_KEY_FILES=str(tmp_path / "old.pem.pub"),
    )
    assert len(app.test_client().get("/.well-known/jwks.json").get_json()["keys"]) == 2


def rotation_example() -> tuple[list[str], list[str]]:
    """The docs' key-rotation example: its `mkdir` and `keys new` lines, as written, and what
    it shows the first `keys new` print (its `# wrote`, `# next:`, `# a rotation:` lines)."""
    page = (Path(__file__).parent.parent / "docs" / "operations" / "keys.md").read_text()
    block = page.split("## A key rotation, step by step", 1)[1].split("```sh\n", 1)[1]
    lines = block.split("```", 1)[0].splitlines()
    commands = [
        line for line in lines if line.startswith(("mkdir ", ".venv/bin/auth-sandbox keys"))
    ]
    said = ("# wrote ", "# next: ", "# a rotation: ")
    shown = [line[2:] for line in lines if line.startswith(said)]
    return commands, shown


def test_the_docs_rotation_example_runs_as_written_in_a_fresh_checkout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no keys/ folder yet, as in a fresh clone
    commands, shown = rotation_example()
    assert commands[0].startswith("mkdir ") and len(commands) == 3, commands
    subprocess.run(shlex.split(commands[0]), cwd=tmp_path, check=True, timeout=10)
    assert mode(tmp_path / "keys") == 0o700
    outputs = []
    for line in commands[1:]:
        result = CliRunner().invoke(main, line.split()[1:])
        assert result.exit_code == 0, (line, result.output)
        outputs.append(result.output)
    for name in ("2025-01.pem", "2025-07.pem"):
        assert mode(tmp_path / "keys" / name) == 0o600
        assert (tmp_path / "keys" / f"{name}.pub").exists()
    # The output shown, with the reader's checkout for this one and any kid for the one shown.
    expected = [
        re.escape(line.replace("/home/you/auth-sandbox", str(tmp_path))).replace(
            re.escape("VXsyo6eh…"), r"[\w-]{43}"
        )
        for line in shown
    ]
    printed = outputs[0].splitlines()
    assert len(printed) == len(expected) == 4, printed
    for line, pattern in zip(printed, expected, strict=True):
        assert re.fullmatch(pattern, line), (line, pattern)
