"""The long fuzz run: many seeded rounds of random well-formed updates through the real
Application on the fake Bot API (the same generator as tests/test_fuzz.py).

    .venv/bin/python scripts/fuzz_long.py [--updates 30000] [--seed 1] [--rounds 1]

Each round gets a fresh database. It prints what it sent, how fast, every ERROR record with
the update that caused it, any apology or traceback text a person would have got, whether a
newcomer is still answered and the integrity check; exit code 1 when anything failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


async def one_round(seed: int, updates: int) -> bool:
    from bot.app import OFFLINE_TOKEN, build_application
    from bot.offline.api import FakeBotAPI
    from bot.settings import Settings
    from tests.fuzz_kit import (
        ADMIN_ID,
        fresh_user_is_answered,
        fuzz_clock_start,
        integrity,
        run_fuzz,
    )
    from tests.kit.clock import FakeClock

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, bot_token=None, database_path=Path(tmp) / "f.sqlite3",
                            admin_ids=frozenset({ADMIN_ID}), nik_hmac_key="fuzz-nik-key",
                            webhook_url=None)
        fake, clock = FakeBotAPI(), FakeClock(fuzz_clock_start())
        app = build_application(settings, transport=fake.transport, token=OFFLINE_TOKEN,
                                rate_limit=False, clock=clock)
        await app.initialize()
        try:
            result = await run_fuzz(app, fake, clock, seed=seed, updates=updates)
            answered = await fresh_user_is_answered(app, fake)
        finally:
            await app.shutdown()
        check = integrity(settings.database_path)
    rate = result.updates / result.seconds if result.seconds else 0.0
    print(f"seed {seed}: {result.updates} updates in {result.seconds:.1f} s ({rate:.0f}/s); "
          f"kinds {json.dumps(result.kinds, sort_keys=True)}")
    print(f"  ERROR records: {len(result.errors)}; apology/traceback texts: "
          f"{len(result.leaks)}; newcomer answered: {answered}; integrity_check: {check}")
    for error, culprit in list(zip(result.errors, result.culprits, strict=False))[:10]:
        print(f"  ! {error}\n    after {json.dumps(culprit, ensure_ascii=False)[:400]}")
    for leak in result.leaks[:10]:
        print(f"  ! to a person: {leak}")
    return not result.errors and not result.leaks and answered and check == "ok"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=30_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    ok = True
    for n in range(args.rounds):
        ok = asyncio.run(one_round(args.seed + n, args.updates)) and ok
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
