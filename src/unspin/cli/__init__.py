"""The `unspin` command line: thin typer commands over the library."""
