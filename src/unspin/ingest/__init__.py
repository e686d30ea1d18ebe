"""Getting article text out of what users give: plain text, HTML, files, URLs."""
