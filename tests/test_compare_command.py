"""`auth-sandbox compare`: every format parses, every strategy is present, files are written."""

import csv
import io
import json
from base64 import b64encode

from click.testing import CliRunner
from rich.console import Console

from sandbox.cli import main
from sandbox.compare.report import render, to_csv, to_json, to_markdown
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME
from strategies import anatomy, registry
from strategies.anatomy import ENCODED_CREDENTIALS
from tests.conftest import CHEAP_HASH


def test_json_holds_every_measurement_for_every_strategy(comparison):
    parsed = json.loads(to_json(comparison))
    assert set(parsed) == {"environment", "strategies", "claims"}
    assert list(parsed["strategies"]) == registry.names()
    for result in parsed["strategies"].values():
        assert set(result) == {
            "strategy",
            "token",
            "store",
            "round_trips",
            "cost",
            "store_down",
            "logout",
            "expiry",
            "leak",
            "tamper",
            "unauthenticated",
            "replay_from_another_client",
            "alg_none_status",
        }
        for timing in ("public", "request", "authenticate"):
            assert result["cost"][timing]["median_ms"] <= result["cost"][timing]["p95_ms"]
            assert result["cost"][timing]["samples"] >= 5
    for claim in parsed["claims"]:
        assert set(claim) == {"id", "claim", "evidence", "verdict"}


def test_csv_has_one_row_per_strategy(comparison):
    rows = list(csv.DictReader(io.StringIO(to_csv(comparison))))
    assert [row["strategy.name"] for row in rows] == registry.names()
    assert all(int(row["token.bytes"]) > 0 for row in rows)


def test_markdown_is_two_tables_naming_every_strategy_and_claim(comparison):
    text = to_markdown(comparison)
    header = text.splitlines()[0]
    assert all(f" {name} " in header for name in registry.names())
    assert all(f"| {claim['id']} |" in text for claim in comparison["claims"])


def test_every_report_says_its_commit_and_the_command_that_regenerates_it(comparison):
    environment = comparison["environment"]
    assert environment["commit"] and environment["command"]
    assert f"Commit {environment['commit']}; regenerate with `" in to_markdown(comparison)


def test_every_one_character_change_is_tried_however_slow_the_strategy(comparison):
    # Basic pays a password hash per try, and the fixture's time budget is tiny: still all.
    credentials = b64encode(f"{DEMO_USERNAME}:{DEMO_PASSWORD}".encode()).decode()
    for result in comparison["strategies"].values():
        if result["token"]["kind"] == ENCODED_CREDENTIALS:
            assert result["tamper"]["tried"] == len(anatomy.changes(credentials, 48))


def test_the_terminal_table_names_every_strategy_and_verdict(comparison):
    out = io.StringIO()
    render(comparison, "table", Console(file=out, width=200))
    text = out.getvalue()
    assert all(name in text for name in registry.names())
    assert all(claim["verdict"] in text for claim in comparison["claims"])


def test_the_command_prints_json_on_stdout_and_writes_its_files(tmp_path, monkeypatch):
    monkeypatch.setenv("PASSWORD_HASH_METHOD", CHEAP_HASH)
    output = tmp_path / "out"
    compare = ["compare", "--format", "json", "--strategies", "bearer,jwt", "--budget", "0.05"]
    result = CliRunner().invoke(main, [*compare, "--output", str(output)])
    assert result.exit_code == 0, result.output
    parsed = json.loads(result.stdout)
    assert list(parsed["strategies"]) == ["bearer", "jwt"]
    assert {"C3", "C7", "C9"} <= {c["id"] for c in parsed["claims"]}
    assert "C4" not in {c["id"] for c in parsed["claims"]}  # it needs a Basic-style token
    written = json.loads((output / "comparison.json").read_text())
    assert written["strategies"].keys() == {"bearer", "jwt"}
    assert (output / "comparison.md").read_text().startswith("|")
    assert (output / "comparison.png").read_bytes().startswith(b"\x89PNG")


def test_an_unknown_strategy_is_a_usage_error_listing_the_known_ones():
    result = CliRunner().invoke(main, ["compare", "--strategies", "jwt,kerberos"])
    assert result.exit_code == 2
    assert "kerberos" in result.output and "basic, bearer, jwt" in result.output
