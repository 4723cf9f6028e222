"""What every layer shares: errors, paths, params, table schemas and every file read or written."""
