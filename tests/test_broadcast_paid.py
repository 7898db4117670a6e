"""Paid broadcasts (PAID_BROADCAST, off by default): the cost in the preview, allow_paid_broadcast
on the sends, and the bulk lane raised only while a paid broadcast sends."""

from __future__ import annotations

from bot.offline.client import ChatClient
from tests.broadcast_kit import add_subscriber, send_and_wait, service, start_broadcast
from tests.conftest import ADMIN_ID, choose_language

NEWS = "Pencairan PKH tahap 4 dimulai hari ini."
PAID_BUTTON = "Paid: send faster (Stars)"   # the msgid


def paid_flag(call) -> bool:
    return call.params.get("allow_paid_broadcast") in (True, "true", "True")


async def test_a_paid_broadcast_shows_its_cost_and_raises_the_rate_while_it_runs(make_app, fake):
    app = await make_app(paid_broadcast=True, paid_broadcast_rate=200)
    admin = await choose_language(ChatClient(app, fake, user_id=ADMIN_ID), "id")
    for uid in (4001, 4002):
        await add_subscriber(app, uid)
    limiter = app.bot.rate_limiter
    normal = limiter.bulk_rate
    rates: list = []
    fake.listeners.append(lambda call: rates.append(limiter.bulk_rate)
                          if call.method == "sendMessage" and call.params.get("text") == NEWS
                          and call.params.get("chat_id") != ADMIN_ID else None)
    await start_broadcast(admin, NEWS)
    assert "Pengiriman memakan waktu sekitar" in admin.last_reply().text
    replies = await admin.tap(PAID_BUTTON)
    summary = replies[-1]
    assert ("Siaran berbayar: 3 pesan, paling banyak 0.3 Telegram Stars dari saldo bot"
            in summary.text)                                  # 4001, 4002 and the admin
    assert await admin.tr("Send without paying") in summary.labels()
    broadcast_id = await send_and_wait(admin)
    sends = [c for c in fake.calls_to("sendMessage") if c.params.get("text") == NEWS
             and c.params.get("chat_id") in (4001, 4002)]
    assert len(sends) == 2 and all(paid_flag(c) for c in sends)
    assert rates and all(r == 200 for r in rates)             # raised while it ran ...
    assert limiter.bulk_rate == normal                        # ... and only then
    [entry] = await app.services.store.audit.recent(5, action_prefix="broadcast.create")
    assert '"paid": true' in entry["detail"]
    assert (await service(app).report(broadcast_id)).sent == 3


async def test_paid_broadcasts_are_off_by_default(admin, app, fake):
    await add_subscriber(app, 4001)
    await start_broadcast(admin, NEWS)
    preview = admin.last_reply()
    assert await admin.tr(PAID_BUTTON) not in preview.labels() and "Stars" not in preview.text
    await admin.press(preview, "bc:paid")                     # a forged button
    assert "Stars" not in admin.last_reply().text
    await send_and_wait(admin)
    sends = [c for c in fake.calls_to("sendMessage") if c.params.get("text") == NEWS]
    assert sends and not any(paid_flag(c) for c in sends)
