"""Fixtures: an offline bot (real Application on a fake Bot API), clients, an injected clock.

    async def test_x(resident):            # a resident who has chosen Bahasa Indonesia
        replies = await resident.send("/menu")
        await resident.click("Petunjuk dan kontak")

`make_app()` builds another Application on the same database and fake, to test restarts.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.app import OFFLINE_TOKEN, BotApplication, build_application
from bot.offline.client import ChatClient
from bot.settings import Settings
from tests.kit import screens
from tests.kit.clock import FakeClock
from tests.kit.fakes import FaultyBotAPI

ADMIN_ID = 9001


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(
        _env_file=None,
        bot_token=None,
        bot_api_base_url="https://api.telegram.org/bot",
        database_path=tmp_path / "bot.sqlite3",
        admin_ids=frozenset({ADMIN_ID}),
        nik_hmac_key="test-nik-key",
        timezone="Asia/Jakarta",
        default_language="id",
        webhook_url=None,
    )


@pytest.fixture
def clock() -> FakeClock:
    # Monday 2 November 2026, 08:00 WIB
    return FakeClock(dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC))


@pytest.fixture
def fake() -> FaultyBotAPI:
    api = FaultyBotAPI()
    yield api
    # The third-party emulator of the e2e harness echoes link-preview options back as a string
    # that PTB cannot parse: the send succeeds, then the handler fails. Never send them.
    offending = [c.method for c in api.calls
                 if "link_preview_options" in c.params or "disable_web_page_preview" in c.params]
    assert not offending, f"link-preview options sent in {offending}"


@pytest.fixture
async def make_app(settings, fake, clock, request):
    """Build (and initialize) an Application; every one built is shut down at the end."""
    built: list[BotApplication] = []

    async def make(**overrides) -> BotApplication:
        s = settings.model_copy(update=overrides) if overrides else settings
        app = build_application(s, transport=fake.transport, token=OFFLINE_TOKEN,
                                rate_limit=False, clock=clock)
        await app.initialize()
        built.append(app)
        return app

    yield make
    staff: set[int] = set()
    for app in built:
        if app._initialized:
            staff |= await staff_chats(app, fake)
    for app in built:
        if app._initialized:
            await app.shutdown()
    # Every screen of the test must fit a phone (tests/kit/screens.py, locales/glossary.yaml).
    # A test marked staff_text sends text a staff member wrote (an announcement): its length
    # is the author's, split at Telegram's limit; labels are still checked.
    staff_text = request.node.get_closest_marker("staff_text") is not None
    too_long = screens.problems(fake.calls, staff, check_messages=not staff_text)
    assert not too_long, "screens that do not fit a phone:\n" + "\n".join(too_long)


async def staff_chats(app: BotApplication, fake) -> set[int]:
    chats = {int(c.params["chat_id"]) for c in fake.calls
             if str(c.params.get("chat_id", "")).lstrip("-").isdigit()}
    out = set()
    for chat in chats:
        try:
            if await app.services.staff.role(chat):
                out.add(chat)
        except Exception:  # a closed database at the end of a restart test: not staff
            continue
    return out


@pytest.fixture
async def app(make_app) -> BotApplication:
    return await make_app()


@pytest.fixture
def client(app, fake):
    """client(user_id, language_code=..., first_name=...) -> ChatClient on the app."""

    def make(user_id: int = 1001, **kwargs) -> ChatClient:
        return ChatClient(app, fake, user_id=user_id, **kwargs)

    return make


async def choose_language(person: ChatClient, language: str) -> ChatClient:
    await person.send("/start")
    await person.click("Bahasa Indonesia" if language == "id" else "Basa Jawa")
    return person


@pytest.fixture
async def resident(client) -> ChatClient:
    """Siti, who has started the bot and chosen Bahasa Indonesia."""
    return await choose_language(client(1001, first_name="Siti", language_code="id"), "id")


@pytest.fixture
async def resident_jv(client) -> ChatClient:
    """Budi, who has started the bot and chosen Basa Jawa."""
    return await choose_language(client(1002, first_name="Budi", language_code="jv"), "jv")


@pytest.fixture
async def admin(client) -> ChatClient:
    """An administrator (in ADMIN_IDS) who has chosen Bahasa Indonesia."""
    return await choose_language(client(ADMIN_ID, first_name="Admin", language_code="id"), "id")


def add_first(app: BotApplication, handler) -> None:
    """Add a handler at the front of group 0, where feature handlers live (before catch-alls)."""
    app.add_handler(handler)
    app.handlers[0].remove(handler)
    app.handlers[0].insert(0, handler)
