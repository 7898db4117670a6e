"""`dinsos-bot content check`: validate content/ and list what staff still have to confirm."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.core.verbs import verb_group
from bot.settings import Settings


def _missing_jv(obj, where: str) -> list[str]:
    """Paths of texts that have Indonesian but no Javanese."""
    from pydantic import BaseModel

    out: list[str] = []
    if isinstance(obj, BaseModel):
        if hasattr(obj, "id") and hasattr(obj, "jv") and isinstance(obj.jv, str) and not obj.jv:
            out.append(where)
        for name in type(obj).model_fields:
            out += _missing_jv(getattr(obj, name), f"{where}.{name}" if where else name)
    elif isinstance(obj, list):
        for n, item in enumerate(obj):
            out += _missing_jv(item, f"{where}.{n}")
    return out


def check(content_dir: Path, out=print) -> int:
    """Load and check everything; print a report. 0 when fine, 1 when a screener case fails.
    A malformed file raises ContentError (one line naming file and field; exit 2)."""
    from bot.content import load_content
    from bot.content.programs import load_screener_cases
    from bot.features.programs.eligibility import run_case

    content = load_content(content_dir)
    unverified = 0
    missing = 0
    for p in content.programs:
        for aspect, fact in p.facts().items():
            if not fact.verified:
                unverified += 1
                out(f"unverified  programs/{p.key}.yaml {aspect}: {fact.source}")
        for path in _missing_jv(p, ""):
            missing += 1
            out(f"missing jv  programs/{p.key}.yaml {path}")
    screener = content.screener
    assert screener is not None  # load_content always loads screener.yaml
    for path in _missing_jv(screener, ""):
        missing += 1
        out(f"missing jv  screener.yaml {path}")
    cases = load_screener_cases(content_dir)
    failures = []
    for case in cases:
        problems = run_case(screener, case)
        failures += [case.name] if problems else []
        for problem in problems:
            out(f"FAILED case screener_cases.yaml {problem}")
    out(f"{len(content.programs)} programs, {len(screener.questions)} screener questions, "
        f"{len(screener.rules)} rules; {len(cases) - len(failures)}"
        f"/{len(cases)} screener cases pass; {unverified} facts unverified; {missing} texts "
        "missing in Javanese")
    return 1 if failures else 0


def _check(args: argparse.Namespace, settings: Settings) -> int:
    return check(Path(args.dir) if args.dir else settings.content_dir)


def add_verbs(sub) -> None:
    verbs = verb_group(sub, "content", help="check the content files (programs, screener)",
                       description="Work with content/: the programs and the /cek rules.",
                       dest="content_verb")
    c = verbs.add_parser("check", help="validate content/ and list unverified or missing texts",
                         description="Validate every content file, run the screener test "
                                     "cases, and list facts not yet verified by staff and "
                                     "texts missing in Javanese. Exit 2 on a malformed file, "
                                     "1 when a screener case fails.")
    c.add_argument("--dir", help="the content folder (default: CONTENT_DIR)")
    c.set_defaults(func=_check)
