"""`python -m unspin ...`: the same as the `unspin` command (the console script's entry point)."""

from unspin.cli.main import app

app(prog_name="unspin")
