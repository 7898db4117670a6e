"""A crash mid-broadcast: the next start resumes, nobody is skipped, and only the rows in flight
at the crash can arrive twice; those are counted and reported."""

from __future__ import annotations

import asyncio

from bot.features.broadcasts.model import Draft
from tests.broadcast_kit import add_subscriber, service
from tests.conftest import ADMIN_ID

NEWS = "Pendaftaran KUBE dibuka sampai 30 November."
PEOPLE = list(range(7001, 7031))


def received(fake, user_id: int) -> int:
    return sum(1 for c in fake.calls if c.method == "sendMessage" and c.error is None
               and c.params.get("chat_id") == user_id and c.params.get("text") == NEWS)


async def create(app) -> int:
    for uid in PEOPLE:
        await add_subscriber(app, uid)
    await add_subscriber(app, ADMIN_ID)
    svc = service(app)
    broadcast_id = await svc.create(ADMIN_ID, Draft(NEWS))
    await svc.repo.set_progress_message(broadcast_id, ADMIN_ID, 1)
    return broadcast_id


async def crashed(task: asyncio.Task) -> None:
    try:
        await task
    except asyncio.CancelledError:
        pass


async def resume(make_app, broadcast_id: int):
    """A new process on the same database: its start hook resumes the broadcast."""
    app2 = await make_app()
    svc2 = service(app2)
    assert svc2.running(broadcast_id)
    await svc2.wait(broadcast_id)
    return app2, await svc2.report(broadcast_id)


async def test_crash_between_rows_resumes_without_duplicates(app, fake, make_app):
    broadcast_id = await create(app)
    svc = service(app)
    svc.batch = 1
    recorded = []

    def fault(stage: str) -> None:   # kill -9 right after the 10th row's result is committed
        if stage == "recorded":
            recorded.append(1)
            if len(recorded) == 10:
                asyncio.current_task().cancel()

    svc.fault = fault
    await crashed(svc.launch(broadcast_id))
    outbox = await svc.repo.outbox(broadcast_id)
    assert sum(r["status"] == "sent" for r in outbox) == 10
    assert not any(r["status"] == "sending" for r in outbox)

    _, report = await resume(make_app, broadcast_id)
    everyone = [*PEOPLE, ADMIN_ID]
    assert [received(fake, uid) for uid in everyone] == [1] * len(everyone)
    assert (report.status, report.sent, report.left, report.duplicates, report.restarts) == \
        ("done", 31, 0, 0, 1)


async def test_crash_mid_row_resends_only_that_row_and_reports_it(app, fake, make_app):
    broadcast_id = await create(app)
    svc = service(app)
    svc.batch = 1
    task_box: list[asyncio.Task] = []
    count = []

    def kill_after_delivery(method, params):   # the 5th message leaves, then the process dies
        if method == "sendMessage" and params.get("text") == NEWS:
            count.append(1)
            if len(count) == 5:
                task_box[0].cancel()
        return None

    fake.fail_when(kill_after_delivery)
    task_box.append(svc.launch(broadcast_id))
    await crashed(task_box[0])
    fake.faults.clear()
    in_flight = [r["user_id"] for r in await svc.repo.outbox(broadcast_id)
                 if r["status"] == "sending"]
    assert len(in_flight) == 1

    app2, report = await resume(make_app, broadcast_id)
    everyone = [*PEOPLE, ADMIN_ID]
    counts = {uid: received(fake, uid) for uid in everyone}
    assert all(n >= 1 for n in counts.values())                       # nobody skipped
    assert [uid for uid, n in counts.items() if n > 1] == in_flight    # only the one in flight
    assert report.duplicates == 1 and report.sent == 31 and report.status == "done"
    flagged = [r["user_id"] for r in await service(app2).repo.outbox(broadcast_id)
               if r["possible_duplicate"]]
    assert flagged == in_flight
    final = [c for c in fake.calls if c.method == "sendMessage"
             and c.params.get("chat_id") == ADMIN_ID and "selesai" in c.params.get("text", "")]
    assert "mungkin menerimanya dua kali): 1" in final[-1].params["text"]
    assert "Dilanjutkan setelah bot dimulai ulang: 1 kali" in final[-1].params["text"]


async def test_crash_with_a_full_pipeline_skips_nobody(app, fake, make_app):
    """The real batch size: several rows in flight at once when the process dies."""
    broadcast_id = await create(app)
    svc = service(app)
    svc.batch = 4
    task_box: list[asyncio.Task] = []
    count = []

    def kill(method, params):
        if method == "sendMessage" and params.get("text") == NEWS:
            count.append(1)
            if len(count) == 13:
                task_box[0].cancel()
        return None

    fake.fail_when(kill)
    task_box.append(svc.launch(broadcast_id))
    await crashed(task_box[0])
    fake.faults.clear()
    in_flight = {r["user_id"] for r in await svc.repo.outbox(broadcast_id)
                 if r["status"] == "sending"}
    assert in_flight

    _, report = await resume(make_app, broadcast_id)
    counts = {uid: received(fake, uid) for uid in [*PEOPLE, ADMIN_ID]}
    assert all(n >= 1 for n in counts.values())
    assert {uid for uid, n in counts.items() if n > 1} <= in_flight
    assert report.duplicates == len(in_flight) and report.left == 0


async def test_clean_stop_records_what_was_sent_and_resumes_later(app, fake, make_app):
    broadcast_id = await create(app)
    svc = service(app)
    svc.batch = 2
    count = []
    stopping: list[asyncio.Task] = []

    def stop_soon(method, params):
        if method == "sendMessage" and params.get("text") == NEWS:
            count.append(1)
            if len(count) == 6 and not stopping:
                stopping.append(asyncio.get_running_loop().create_task(svc.stop()))
        return None

    fake.fail_when(stop_soon)
    await svc.launch(broadcast_id)
    await stopping[0]
    fake.faults.clear()
    outbox = await svc.repo.outbox(broadcast_id)
    assert not any(r["status"] == "sending" for r in outbox)   # a clean stop leaves no doubt
    sent_before = sum(r["status"] == "sent" for r in outbox)
    assert sent_before == len(count)

    _, report = await resume(make_app, broadcast_id)
    assert report.duplicates == 0 and report.sent == 31
    assert all(received(fake, uid) == 1 for uid in [*PEOPLE, ADMIN_ID])


async def test_durable_commits_restore_normal_sync_even_on_error(app):
    db = app.services.db
    seen = []
    async with db.transaction(durable=True) as conn:
        seen.append((await (await conn.execute("PRAGMA synchronous")).fetchone())[0])
    try:
        async with db.transaction(durable=True):
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert seen == [2]                                   # FULL inside
    assert await db.fetchval("PRAGMA synchronous") == 1  # NORMAL again for everything else
    await create(app)
    assert await db.fetchval("PRAGMA synchronous") == 1


async def test_an_unexpected_error_pauses_and_goes_on(app, fake):
    broadcast_id = await create(app)
    svc = service(app)
    svc.batch = 3
    svc.error_pause = 0
    real_record = svc.repo.record
    calls = []

    async def flaky_record(*args, **kwargs):   # the disk fails once, after rows were sent
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk I/O error")
        return await real_record(*args, **kwargs)

    svc.repo.record = flaky_record
    await svc.launch(broadcast_id)
    report = await svc.report(broadcast_id)
    assert report.status == "done" and report.left == 0 and report.restarts == 0
    counts = {uid: received(fake, uid) for uid in [*PEOPLE, ADMIN_ID]}
    assert all(n >= 1 for n in counts.values())
    twice = {uid for uid, n in counts.items() if n > 1}
    flagged = {r["user_id"] for r in await svc.repo.outbox(broadcast_id)
               if r["possible_duplicate"]}
    assert twice <= flagged and report.duplicates == len(flagged) > 0
