"""The test kit: what only tests need (faults, latency, a clock that moves when told)."""
