"""The files of a measurement's report, as compare, bench and scale write them: a folder, its
texts (Markdown, JSON) and its plots (matplotlib PNGs)."""

from collections.abc import Callable, Mapping
from pathlib import Path

Plot = Callable[[Path], None]  # draws one figure into the file at the path it is given


def write_report(
    directory: Path, texts: Mapping[str, str], plots: Mapping[str, Plot]
) -> list[Path]:
    """Make `directory`, write each of `texts` into the file it is keyed by, then draw each of
    `plots` into its own: the paths written, texts first, each in the order given."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in texts.items():
        path = directory / name
        path.write_text(text)
        written.append(path)
    for name, plot in plots.items():
        path = directory / name
        plot(path)
        written.append(path)
    return written
