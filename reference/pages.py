"""Which generated part goes where."""

from pathlib import Path

from reference import command_tables, http_tables, overview_table, settings_tables
from reference.blocks import Block

DOCS = Path(__file__).resolve().parent.parent / "docs"


def blocks(docs: Path = DOCS) -> list[Block]:
    return [
        Block(docs / "reference/configuration.md", "app settings", settings_tables.app_settings),
        Block(
            docs / "reference/configuration.md",
            "strategy settings",
            settings_tables.strategy_settings,
        ),
        Block(docs / "reference/http.md", "routes", http_tables.operations),
        Block(docs / "reference/commands.md", "commands", command_tables.reference),
        Block(docs.parent / "README.md", "overview", overview_table.overview),
    ]
