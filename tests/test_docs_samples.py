"""The command samples of the docs that show an answer, run, and held to the answer's shape.

In-process where the sample allows (Flask's test client for curl lines), so that they stay in
the fast tier. The cookie-mode curl lines run with curl itself (tests/test_cookie_mode.py), the
key-rotation lines in tests/test_keys_command.py.
"""

import json
import re
import shlex
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from benchmarks.scale.sizes import TooLarge, check_machine
from sandbox import create_app
from sandbox.resource_server import create_resource_server
from strategies.jwt_settings import REFRESH
from tests.conftest import CHEAP_HASH, DEFAULTS, login, strategies_declaring
from tests.servers import in_a_thread

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"


def fenced(page: Path, after: str, language: str = "sh") -> str:
    """The first code block of `language` after the text `after` on `page`."""
    return page.read_text().split(after, 1)[1].split(f"```{language}\n", 1)[1].split("```", 1)[0]


def commands_and_answers(block: str) -> list[tuple[str, list[str]]]:
    """Each curl command of a block (its continuation lines joined), with the `# {…}` or
    `# 401` answer lines shown under it."""
    found: list[tuple[str, list[str]]] = []
    continued = False
    for line in block.splitlines():
        if continued:
            found[-1] = (found[-1][0] + " " + line.strip(), found[-1][1])
        elif line.startswith("curl "):
            found.append((line, []))
        elif found and re.fullmatch(r"# (\{.*\}|\d{3})", line):
            found[-1][1].append(line[2:])
        continued = line.endswith("\\") and bool(found)
        if continued:
            found[-1] = (found[-1][0].removesuffix("\\"), found[-1][1])
    return found


def curl(client, command: str):
    """What the Flask test client answers to a curl command line of the docs."""
    arguments = iter(shlex.split(command)[1:])
    method, headers, data, url = None, {}, None, ""
    for argument in arguments:
        if argument == "-X":
            method = next(arguments)
        elif argument == "-H":
            name, value = next(arguments).split(": ", 1)
            headers[name] = value
        elif argument == "-d":
            data = next(arguments)
        elif argument.startswith("http"):
            url = argument
        else:  # only curl's output options are left: -s, -i
            assert argument in ("-s", "-i"), f"a curl option this test cannot play: {argument}"
    method = method or ("POST" if data is not None else "GET")
    return client.open(urlsplit(url).path, method=method, headers=headers, data=data)


def shown_json(answer: str) -> dict:
    return json.loads(re.sub(r'"[^"]*…"', '"…"', answer))


def app_for(tmp_path: Path, strategy: str, **settings):
    return create_app(
        {
            **DEFAULTS,
            "AUTH_STRATEGY": strategy,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "PASSWORD_HASH_METHOD": CHEAP_HASH,
            **settings,
        }
    )


def test_the_lessons_flow_answers_as_the_tutorial_shows_for_every_strategy(tmp_path, strategy_name):
    block = fenced(DOCS / "tutorial.md", "Then, for every strategy alike")
    (log_in, (issued,)), (call, (user,)), (log_out, []) = commands_and_answers(block)
    app = app_for(tmp_path, strategy_name)
    client = app.test_client()

    answer = curl(client, log_in)
    assert answer.status_code == 200
    assert answer.get_json().keys() == shown_json(issued).keys()
    token, scheme = answer.get_json()["token"], answer.get_json()["token_type"]

    # The sample's placeholder token, and the scheme this strategy asks for.
    def ours(command: str) -> str:
        return command.replace("Bearer m5ahtJnm…", f"{scheme} {token}")

    assert curl(client, ours(call)).get_json() == json.loads(user)
    # As the sample's comment says: 204 where logout revokes, else 501 with the reason.
    status = curl(client, ours(log_out)).status_code
    assert status == (204 if app.extensions["auth_sandbox"].strategy.revocable else 501)


@pytest.mark.parametrize("strategy_name", strategies_declaring("REFRESH_TOKEN_TTL"))
def test_a_refresh_token_is_traded_once_as_the_tutorial_shows(tmp_path, strategy_name):
    block = fenced(DOCS / "tutorial.md", "JWT as it is usually deployed")
    ((refresh, []),) = commands_and_answers(block)
    assert "TOKEN_TTL=300 REFRESH_TOKEN_TTL=1209600 JWT_DENYLIST=true" in block
    client = app_for(tmp_path, strategy_name, **REFRESH, JWT_DENYLIST=True).test_client()
    issued = login(client)
    assert {"refresh_token", "refresh_expires_in"} <= issued.keys()
    spent = refresh.replace("eyJhbGciOi…", issued["refresh_token"])
    renewed = curl(client, spent)
    assert renewed.status_code == 200 and renewed.get_json().keys() == issued.keys()
    # "the same refresh token sent again: 401, and the whole login is revoked"
    assert curl(client, spent).status_code == 401
    auth = {"Authorization": f"Bearer {renewed.get_json()['token']}"}
    assert client.get("/protected", headers=auth).status_code == 401


def test_the_resource_server_answers_as_the_docs_show(tmp_path):
    block = fenced(DOCS / "operations" / "keys.md", "## Verifying elsewhere")
    shown = next(line[2:] for line in block.splitlines() if line.startswith("# {"))
    assert "JWT_ALGORITHM=EdDSA" in block
    sandbox = app_for(tmp_path, "jwt", JWT_ALGORITHM="EdDSA")
    token = login(sandbox.test_client())["token"]
    with in_a_thread(sandbox) as base:
        elsewhere = create_resource_server(f"{base}/.well-known/jwks.json").test_client()
        answer = elsewhere.get("/protected", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert answer.get_json().keys() == json.loads(shown).keys()
    assert answer.get_json()["sub"] == json.loads(shown)["sub"]


def test_the_readme_s_dpop_client_logs_in_and_calls_with_its_proofs(tmp_path, capsys):
    block = fenced(ROOT / "README.md", "## Tokens bound to a key (DPoP)", "python")
    shown = next(line.split("# ", 1)[1] for line in block.splitlines() if "print(" in line)
    sandbox = app_for(tmp_path, "jwt", TOKEN_BINDING="dpop")
    with in_a_thread(sandbox) as base:
        exec(block.replace('"http://127.0.0.1:5000"', repr(base)), {})  # noqa: S102 - our README
    printed = capsys.readouterr().out.strip().replace("'", '"')
    assert json.loads(printed) == json.loads(shown)


def test_the_scale_refusal_reads_as_the_docs_show():
    block = fenced(DOCS / "operations" / "scale.md", "What it refuses", "text")
    command, line = (shown.strip() for shown in block.strip().splitlines())
    assert command == "$ auth-sandbox scale --sizes 10^10"
    available = re.search(r"this machine has ([\d.]+) GiB available", line)
    assert available, line
    with pytest.raises(TooLarge) as refusal:  # on the machine the sample was taken on
        check_machine([10**10], int(float(available.group(1)) * 2**30))
    assert f"Error: {refusal.value}" == line


def code_lines(javascript: str) -> list[str]:
    """Lines of code, without comments: the docs annotate what the source need not say."""
    stripped = (line.split(" // ", 1)[0].strip() for line in javascript.splitlines())
    return [line for line in stripped if line and not line.startswith("//")]


def test_the_demo_functions_shown_are_the_demo_pages_code():
    shown = code_lines(fenced(DOCS / "tutorial.md", "The lesson's two browser functions", "js"))
    source = code_lines((ROOT / "sandbox" / "static" / "demo.js").read_text())
    for function in ("async function login(", "async function fetchPrivate("):
        start = next(i for i, line in enumerate(shown) if line.startswith(function))
        end = shown.index("}", start) + 1
        at = source.index(shown[start])
        assert source[at : at + end - start] == shown[start:end]


def test_the_plugin_registration_shown_is_the_paseto_plugins():
    shown = tomllib.loads(fenced(DOCS / "plugins.md", "3. **Register the class**", "toml"))
    plugin = ROOT / "examples" / "paseto-strategy" / "pyproject.toml"
    declared = tomllib.loads(plugin.read_text())["project"]["entry-points"]
    assert shown["project"]["entry-points"] == declared


def quoted_names(shape: str) -> set[str]:
    return set(re.findall(r'"([a-z_0-9]+)"', shape))


def keys_of(value, depth: int) -> set[str]:
    """Every key of a JSON value down to `depth` levels of objects (lists looked through)."""
    if depth == 0:
        return set()
    if isinstance(value, list):
        return set().union(*(keys_of(item, depth) for item in value))
    if not isinstance(value, dict):
        return set()
    return set(value) | set().union(*(keys_of(item, depth - 1) for item in value.values()))


@pytest.mark.measures  # the session's one compare run, shared with tests/test_lesson_claims.py
def test_the_json_shape_shown_names_what_compare_writes(comparison):
    shape = fenced(DOCS / "results.md", "## The JSON", "text")
    written = json.loads(json.dumps(comparison))  # as the file holds it
    strategy = next(iter(written["strategies"].values()))
    # Each strategy's sections and their fields, the environment's fields, the top level.
    written_names = set(written) | set(written["environment"]) | keys_of(strategy, 2)
    values = {"password", "claims", "nothing", "holds", "wrong"}  # shown values, not keys
    # The browser's part is written in full with --browser only, which this run is without.
    without_browser = shape.split('"browser":', 1)[0]
    named = quoted_names(without_browser) - values
    assert named - keys_of(written, 8) == set(), "named, never written"
    assert written_names - quoted_names(shape) == set(), "written, never named"
