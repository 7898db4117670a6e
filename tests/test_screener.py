"""/cek: the rules (data) with their YAML cases, the conversation, and `content check`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.content import ContentError, load_content
from bot.content.programs import load_screener_cases
from bot.features.programs.eligibility import Verdict, assess, run_case
from bot.offline.client import ChatClient

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"


@pytest.fixture(scope="module")
def content():
    return load_content(CONTENT)


CASES = load_screener_cases(CONTENT)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_rule_cases_from_content(content, case):
    assert run_case(content.screener, case) == []


def test_there_are_enough_cases_and_every_rule_is_exercised():
    assert len(CASES) >= 8
    liked = {p for c in CASES for p in c.likely}
    assert {"pkh_plus", "aspd", "blt_rokok", "wrse", "bencana", "dtsen"} <= liked


def test_unknown_and_skipped_answers_never_fail_a_rule(content):
    results = {a.program: a for a in assess(content.screener, {"dtks": "unknown",
                                                                 "elder70": "yes"})}
    assert results["pkh_plus"].verdict is Verdict.MAYBE
    assert [c.question for c in results["pkh_plus"].met] == ["elder70"]
    # forged values are ignored, not trusted
    results = {a.program: a for a in assess(content.screener, {"cigarette": "maybe"})}
    assert results["blt_rokok"].verdict is Verdict.MAYBE


async def answer_all(person: ChatClient, labels: list[str]) -> list:
    replies = await person.send("/cek")
    for label in labels:
        replies = await person.click(label)
    return replies


# age, elder70, dtks, disability, cigarette, woman_head, disaster, ktp_jatim
GRANDMOTHER_ID = ["Di atas 60", "^Ya$", "Ya, terdaftar", "Tidak", "Tidak", "Tidak", "Tidak",
                  "^Ya$"]


async def test_full_check_explains_why_and_next_step(resident):
    replies = await answer_all(resident, GRANDMOTHER_ID)
    result = replies[-1].text
    assert result.startswith("Hasil pemeriksaan awal (bukan keputusan)")
    assert "PKH Plus" in result
    assert "Alasannya: ada anggota keluarga berusia 70 tahun ke atas" in result
    assert "Langkah berikutnya: Tanyakan ke pendamping PKH" in result
    assert "bukan keputusan" in result and "DTSEN" in result and "kuota" in result
    assert "ASPD" not in result  # ruled out, only on request
    why_not = (await resident.click("Program lain bagaimana?"))[-1].text
    assert "ASPD" in why_not and "disabilitas berat" in why_not
    assert "BLT buruh pabrik rokok" in why_not


async def test_skipped_questions_give_maybe_not_a_wrong_no(resident):
    replies = await resident.send("/cek")
    assert "Pertanyaan 1 dari 8" in replies[-1].text
    for _ in range(6):
        replies = await resident.click("Lewati pertanyaan ini")
    await resident.click("^Ya$")        # disaster
    replies = await resident.click("^Ya$")   # ktp_jatim
    result = replies[-1].text
    likely, maybe = result.split("Program yang mungkin cocok")
    assert "Penanganan bencana" in likely and "PKH Plus" not in likely
    assert "dilewati" in maybe and "ASPD" in maybe   # KTP met, disability skipped
    assert "Masih perlu dipastikan: ASPD untuk penyandang disabilitas berat" in maybe


async def test_javanese_check_is_in_krama(resident_jv):
    replies = await resident_jv.send("/cek")
    assert "Pitakenan 1 saking 8" in replies[-1].text
    labels = ["Ngandhap 20", "Langkungi pitakenan", "Inggih, sampun", "Boten",
              "Inggih", "Boten", "Boten", "Inggih"]
    for label in labels:
        replies = await resident_jv.click(label)
    result = replies[-1].text
    assert result.startswith("Asil pamriksan wiwitan (sanes putusan)")
    assert "BLT buruh pabrik rokok" in result and "Amargi: panjenengan buruh produksi" in result
    assert "sanes putusan" in result


async def test_text_during_check_reminds_and_keeps_the_place(resident):
    await resident.send("/cek")
    await resident.click("20–50")
    replies = await resident.send("apa syarat pkh plus")
    assert "jawab dengan tombol" in replies[0].text
    replies = await resident.click("Lewati pertanyaan ini")
    assert "Pertanyaan 3 dari 8" in replies[-1].text


async def test_stale_answer_button_changes_nothing(resident, fake):
    first = (await resident.send("/cek"))[-1]
    await resident.click("20–50")
    await resident.press(first, "cek:ans:age:over60")
    assert "tidak berlaku" in fake.calls_to("answerCallbackQuery")[-1].params["text"]
    replies = await resident.click("Lewati pertanyaan ini")
    assert "Pertanyaan 3 dari 8" in replies[-1].text


async def test_cancel_ends_the_check_and_questions_work_again(resident):
    await resident.send("/cek")
    await resident.click("20–50")
    replies = await resident.send("/batal")
    assert "Dibatalkan" in replies[0].text or "dibatalkan" in replies[0].text
    replies = await resident.send("Apa syarat PKH Plus?")
    assert replies[0].text.startswith("PKH Plus")


async def test_check_survives_a_restart(resident, make_app, fake):
    await resident.send("/cek")
    await resident.click("20–50")
    await resident.click("^Ya$")
    app2 = await make_app()
    again = ChatClient(app2, fake, user_id=1001, first_name="Siti", language_code="id")
    replies = await again.click("Ya, terdaftar")
    assert "Pertanyaan 4 dari 8" in replies[-1].text
    for label in ["Tidak", "Tidak", "Tidak", "Tidak", "^Ya$"]:
        replies = await again.click(label)
    assert "PKH Plus" in replies[-1].text.split("Mengapa")[0]
    assert "Alasannya: ada anggota keluarga berusia 70 tahun ke atas" in replies[-1].text


# -- content validation and the CLI -----------------------------------------------------------
@pytest.fixture
def content_copy(tmp_path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def test_malformed_program_is_one_line_naming_file_and_field(content_copy):
    path = content_copy / "programs" / "aspd.yaml"
    path.write_text(path.read_text().replace("verified: false", "verified: sometimes", 1))
    with pytest.raises(ContentError) as err:
        load_content(content_copy)
    assert "aspd.yaml" in str(err.value) and "verified" in str(err.value)
    assert "\n" not in str(err.value)


def test_rule_with_unknown_option_is_rejected(content_copy):
    path = content_copy / "screener.yaml"
    path.write_text(path.read_text().replace("accept: [a20_50]", "accept: [a20_99]", 1))
    with pytest.raises(ContentError, match=r"screener.yaml.*a20_99"):
        load_content(content_copy)


def test_program_file_name_must_match_key(content_copy):
    (content_copy / "programs" / "pkh.yaml").rename(content_copy / "programs" / "pkh2.yaml")
    with pytest.raises(ContentError, match=r"pkh2.yaml: field key"):
        load_content(content_copy)


def run_cli(argv, monkeypatch, capsys) -> tuple[int, str, str]:
    monkeypatch.setenv("BOT_TOKEN", "")
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def test_content_check_reports_unverified_and_missing_javanese(content_copy, monkeypatch,
                                                               capsys):
    code, out, _ = run_cli(["content", "check", "--dir", str(content_copy)], monkeypatch, capsys)
    assert code == 0
    assert "unverified  programs/aspd.yaml benefit" in out
    assert "0 texts missing in Javanese" in out
    path = content_copy / "programs" / "kube.yaml"
    path.write_text(path.read_text().replace(
        "  jv: Bantuan modal usaha kangge kelompok kulawarga miskin ingkang usaha sesarengan.\n",
        "", 1))
    code, out, _ = run_cli(["content", "check", "--dir", str(content_copy)], monkeypatch, capsys)
    assert code == 0 and "missing jv  programs/kube.yaml summary" in out


def test_content_check_fails_on_a_broken_case_or_file(content_copy, monkeypatch, capsys):
    cases = content_copy / "screener_cases.yaml"
    cases.write_text(cases.read_text().replace("likely: [bencana]", "likely: [aspd]", 1))
    code, out, _ = run_cli(["content", "check", "--dir", str(content_copy)], monkeypatch, capsys)
    assert code == 1 and "FAILED case" in out
    (content_copy / "programs" / "pkh.yaml").write_text("key: pkh\nlevel: [oops\n")
    code, _, err = run_cli(["content", "check", "--dir", str(content_copy)], monkeypatch, capsys)
    assert code == 2 and "pkh.yaml" in err and "Traceback" not in err


# everything "yes": most programs fit, more than one phone screen would hold
ALL_YES_ID = ["20–50", "^Ya$", "Ya, terdaftar", "^Ya$", "^Ya$", "^Ya$", "^Ya$", "^Ya$"]
ALL_YES_JV = ["20–50", "^Inggih$", "Inggih, sampun", "^Inggih$", "^Inggih$", "^Inggih$",
              "^Inggih$", "^Inggih$"]


@pytest.mark.parametrize("lang, labels, more", [
    ("id", ALL_YES_ID, r"^Lihat semua \((\d+) lagi\)$"),
    ("jv", ALL_YES_JV, r"^Pirsani sedaya \((\d+) malih\)$")])
async def test_a_long_result_shows_three_programs_then_see_all(lang, labels, more, resident,
                                                               resident_jv, content):
    import re

    person = resident if lang == "id" else resident_jv
    replies = await answer_all(person, labels)
    result = replies[-1]
    assert len(result.text) <= 1500
    assert result.text.count("\n• ") == 3
    see_all = [label for label in result.labels() if re.match(more, label)]
    assert see_all, result.labels()
    hidden = int(re.match(more, see_all[0]).group(1))
    answers = {"age": "a20_50", "elder70": "yes", "dtks": "yes", "disability": "yes",
               "cigarette": "yes", "woman_head": "yes", "disaster": "yes", "ktp_jatim": "yes"}
    fitting = [a for a in assess(content.screener, answers)
               if a.verdict is Verdict.LIKELY or (a.verdict is Verdict.MAYBE and a.met)]
    assert hidden == len(fitting) - 3 > 0
    rest = await person.click(more)
    assert all(len(m.text) <= 1500 for m in rest)
    listed = "".join(m.text for m in rest).count("• ")
    assert listed == hidden   # the three on the first screen are not repeated
    by_key = {p.key: p for p in content.programs}
    names = {by_key[a.program].name.get(lang) for a in fitting}
    seen = result.text + "".join(m.text for m in rest)
    assert all(name in seen for name in names)
