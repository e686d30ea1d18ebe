"""Reading and writing the research formats (PTC articles and SI / TC label files)."""
