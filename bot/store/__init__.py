"""Storage: one SQLite database in the data dir; one repository per entity."""
