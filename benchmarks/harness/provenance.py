"""Where a published figure comes from: the commit it was measured on and the command that
regenerates it, written into every report that compare and bench produce."""

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent.parent


def _git(*args: str) -> str:
    git = shutil.which("git")
    if git is None:
        raise OSError("git is not installed")
    done = subprocess.run(
        [git, "-C", str(CHECKOUT), *args], capture_output=True, text=True, timeout=5, check=True
    )
    return done.stdout.strip()


def commit() -> str:
    """The checkout's commit (short), marked when files differ from it; 'unknown' elsewhere."""
    try:
        head = _git("rev-parse", "--short", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return f"{head} with uncommitted changes" if dirty else head


def command() -> str:
    """The command line as the user typed it, starting at the program's name."""
    return shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]])
