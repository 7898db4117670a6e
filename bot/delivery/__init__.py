"""The outbox engine and rate lanes every bulk send goes through (see engine.py)."""
