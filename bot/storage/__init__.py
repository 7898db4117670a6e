"""SQLite storage on aiosqlite. All SQL of the project lives in this package."""
