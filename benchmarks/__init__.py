"""The benchmarks behind ``dialoogbot bench``. They run from a checkout and are not packaged:
they drive the product through the test kit (``bot.testing``) and read the public test data
that sits beside the checkout."""

from __future__ import annotations

from pathlib import Path

# The public test data (banking77, polis, Slack's OpenAPI description): ``../shared/data``.
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
