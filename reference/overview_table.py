"""The README's summary table: the overview of the published comparison
(docs/comparison/comparison.json), so that it cannot drift from that run."""

import json
from pathlib import Path

from benchmarks.compare.report import overview_markdown

PUBLISHED = Path(__file__).resolve().parent.parent / "docs" / "comparison" / "comparison.json"


def overview() -> str:
    comparison = json.loads(PUBLISHED.read_text())
    environment = comparison["environment"]
    return "\n".join(
        [
            *overview_markdown(comparison),
            "",
            f"Measured at commit {environment['commit']} on {environment['machine']}, "
            f"`{environment['command']}`.",
        ]
    )
