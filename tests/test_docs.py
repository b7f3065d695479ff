"""The docs stay true: their generated parts are what the code declares now, and the README's
test line is the one CI runs."""

from pathlib import Path

import pytest

from reference.blocks import REGENERATE, filled
from reference.pages import blocks

ROOT = Path(__file__).parent.parent


@pytest.mark.parametrize("block", blocks(), ids=lambda block: block.name)
def test_each_generated_part_of_the_docs_is_what_the_code_declares(block):
    page = block.page.read_text()
    assert filled(page, {block.name: block.write()}) == page, (
        f"{block.page.relative_to(ROOT)}: its part {block.name!r} is stale; "
        f"regenerate it with {REGENERATE}"
    )


def sh_lines(text: str) -> list[str]:
    return [
        line for block in text.split("```sh\n")[1:] for line in block.split("```")[0].splitlines()
    ]


def test_ci_installs_and_tests_exactly_as_the_readme_says():
    readme_test_line = next(
        line for line in sh_lines((ROOT / "README.md").read_text()) if line.endswith("pytest")
    )
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    install = next(line for line in ci if line.startswith("python3 -m venv .venv"))
    assert readme_test_line == f"{install} && .venv/bin/pytest"
    assert ".venv/bin/pytest" in ci
