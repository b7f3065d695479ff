"""What compare shows: a screen by default (an overview, a line per claim), every table in
the Markdown, and one HTML page beside it."""

import io
import re

import pytest
from rich.console import Console

from benchmarks import measurable
from benchmarks.compare.claims.weighing import REASON_CHARS
from benchmarks.compare.overview import COLUMNS
from benchmarks.compare.report import render, to_markdown
from strategies import registry

LABELS = [c.label for c in measurable.configurations(registry.names())]
pytestmark = pytest.mark.measures


def terminal(comparison, width: int) -> list[str]:
    out = io.StringIO()
    render(comparison, "table", Console(file=out, width=width))
    return out.getvalue().splitlines()


def test_the_default_output_fits_a_screen_of_120_columns(comparison):
    lines = terminal(comparison, 120)
    assert max(len(line.rstrip()) for line in lines) <= 120
    assert len(lines) <= 85
    text = "\n".join(lines)
    # The overview: a row per configuration, its label whole, and every column.
    for label in LABELS:
        row = re.compile(rf"^\s*{re.escape(label)}\s{{2,}}\d+ B\s")
        assert sum(bool(row.match(line)) for line in lines) == 1, label
    assert all(header in text for header, _, _ in COLUMNS)
    # A claim per line, with its verdict; its evidence is left to the reports.
    for claim in comparison["claims"]:
        assert any(
            line.startswith(f" {claim['id']} ") and claim["verdict"] in line for line in lines
        )
        assert claim["evidence"][:80] not in text
    assert "--format markdown" in text


def test_every_claim_has_a_reason_short_enough_for_two_lines(comparison):
    for claim in comparison["claims"]:
        assert 20 < len(claim["reason"]) <= REASON_CHARS, claim["id"]


def test_configurations_that_share_a_result_are_named_together(comparison):
    (c9,) = [c for c in comparison["claims"] if c["id"] == "C9"]
    jwts = [
        label
        for label, r in comparison["strategies"].items()
        if r["token"]["kind"].endswith("(JWT)")
    ]
    # Every JWT refused every change alike: one sentence, after all their names.
    assert c9["evidence"].startswith(", ".join(jwts) + ": ")
    assert c9["evidence"].count("one-character changes") == 1


def test_the_markdown_holds_the_overview_then_every_table(comparison):
    text = to_markdown(comparison)
    assert text.index("at a glance") < text.index("**The token**")
    assert "![Token size and request cost](comparison.png)" in text
