"""Properties of the input parsers and the log redaction (issue 17), tried by hypothesis."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.datetimes import parse_local_datetime
from bot.core.logs import redact
from bot.features.skm import workbook as skm_files
from bot.features.skm.service import Period

TZ = ZoneInfo("Asia/Jakarta")
SEPARATOR = st.sampled_from(["", " ", ".", "-", "  ", " - ", "\u00a0"])


@st.composite
def typed_nik(draw) -> tuple[str, str]:
    """A 16-digit number as a person might type it: groups split by spaces, dots, dashes."""
    digits = draw(st.text(alphabet="0123456789", min_size=16, max_size=16))
    out = digits[0]
    for d in digits[1:]:
        out += draw(SEPARATOR) + d
    return digits, out


@settings(max_examples=300, deadline=None)
@given(typed_nik(), st.text(alphabet="abc xyz:=,", max_size=20),
       st.text(alphabet="abc xyz:=,", max_size=20))
def test_a_nik_in_any_typed_form_never_survives_redaction(nik, before, after):
    digits, typed = nik
    line = redact(f"{before}{typed}{after}")
    assert "[NIK]" in line
    assert typed not in line and digits not in re.sub(r"\D", "", line)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=12))
def test_period_parsing_either_works_or_says_why(text):
    try:
        period = Period.parse(text)
    except ValueError as exc:
        assert "not a period" in str(exc)
        return
    assert period.first_day <= period.last_day  # every accepted period has real days
    assert Period.parse(period.code) == period


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=30),
                 st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
                 st.builds(lambda y, o: f"{y:04d}-12-31T23:59:59{o}",
                           st.integers(1, 9999), st.sampled_from(["-23:59", "+23:59", "Z", ""]))))
def test_date_parsing_never_raises(text):
    value = parse_local_datetime(text, TZ)
    if value is not None:
        assert value.tzinfo is not None
        value.astimezone(dt.UTC)  # comparable with the clock, no OverflowError


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_suggestion_fits_in_a_sheet(text):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cleaned = skm_files.sheet_text(text)
    assert not ILLEGAL_CHARACTERS_RE.search(cleaned)
    assert len(cleaned) == len(text)
