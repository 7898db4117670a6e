"""Random well-formed traffic (issue 17): a few thousand updates, seeded, through the real
Application. No ERROR record, no apology or traceback text to anyone, a newcomer still
answered, the database intact. The long run is scripts/fuzz_long.py."""

from __future__ import annotations

import pytest

from tests.fuzz_kit import fresh_user_is_answered, integrity, run_fuzz

SEEDS = [17, 2026]
UPDATES = 2000  # per seed; 4,000 in all, about 10 s


@pytest.mark.parametrize("seed", SEEDS)
async def test_random_traffic_breaks_nothing(app, fake, clock, settings, seed):
    result = await run_fuzz(app, fake, clock, seed=seed, updates=UPDATES)
    assert result.errors == [], (result.errors[:5], result.culprits[:3])
    assert result.leaks == [], result.leaks[:5]
    assert set(result.kinds) >= {"text", "button", "forged button", "edit", "media", "group",
                                 "repeat"}, result.kinds
    assert await fresh_user_is_answered(app, fake)
    assert integrity(settings.database_path) == "ok"
