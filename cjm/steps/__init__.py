"""One module per notebook: read params and files, call the analysis, write the stable files."""
