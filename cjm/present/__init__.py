"""What a client reads: the words of each language, number formats, figures, maps and the report."""
