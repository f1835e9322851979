"""Builders of spreadsheet files for the import tests: made at test time in tmp_path, never committed."""
