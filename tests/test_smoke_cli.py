"""The CLI answers --help and --version without touching a site."""

import subprocess
import sys


def test_version() -> None:
    out = subprocess.run([sys.executable, "-m", "govsite", "--version"], capture_output=True, text=True)
    assert out.returncode == 0
    assert out.stdout.strip().startswith("govsite 0.")
