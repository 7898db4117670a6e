"""The house rules, checked on the source (AST only: nothing is imported or run).

- no import cycles between modules of the bot package (imports for type checking excepted);
- a feature's service and repository import nothing from Telegram;
- a feature uses another feature only through that feature's service (or its public
  package), never its handlers, repository or internals;
- the kernel (bot.core, bot.delivery, bot.storage, bot.content) imports no feature.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "bot"
KERNEL = ("bot.core", "bot.delivery", "bot.storage", "bot.content")
# Modules of a feature that others may import: its rules and its data types.
PUBLIC = ("service", "render")
# The wiring may import anything: it is where the features meet.
WIRING = {"bot.app", "bot.services", "bot.repos", "bot.cli", "bot.features.registry",
          "bot.content.cli"}
# bot.repos.Store's attributes and the feature each repository belongs to.
REPOS = {"subscribers": "subscribers", "staff": "staff", "audit": "staff",
         "volunteers": "volunteers", "broadcasts": "broadcasts", "reminders": "reminders",
         "skm": "skm", "disbursements": "status", "invites": "staff",
         "questions": "programs"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(path: Path) -> set[str]:
    """Every module imported anywhere in the file, except under `if TYPE_CHECKING:`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    package = module_name(path) if path.name == "__init__.py" else \
        module_name(path).rpartition(".")[0]

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - child.level
                                                       + 1] + ([base] if base else []))
                found.add(base)
                for alias in child.names:  # "from bot.features.skm import ikm" is a module
                    found.add(f"{base}.{alias.name}")
            visit(child)

    visit(tree)
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in ROOT.rglob("*.py")}
    edges = {}
    for name, path in modules.items():
        edges[name] = {m for m in imports_of(path) if m in modules and m != name}
    return edges


def feature_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[:2] == ["bot", "features"] else None


def test_there_are_no_import_cycles():
    edges = graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt):], nxt])
            elif nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            walk(node)
    assert cycles == []


def test_services_and_repositories_import_no_telegram():
    offenders = []
    for path in (ROOT / "features").rglob("*.py"):
        if path.stem in ("service", "repo") or path.parent.name in ("service", "repo"):
            bad = {m for m in imports_of(path) if m == "telegram" or m.startswith("telegram.")}
            if bad:
                offenders.append((module_name(path), sorted(bad)))
    assert offenders == []


def test_features_use_each_other_only_through_their_services():
    offenders = []
    for module, targets in graph().items():
        mine = feature_of(module)
        if mine is None or module in WIRING:
            continue
        for target in targets:
            theirs = feature_of(target)
            if theirs is None or theirs == mine:
                continue
            leaf = target.split(".")[3] if len(target.split(".")) > 3 else None
            if leaf is not None and leaf not in PUBLIC:
                offenders.append((module, target))
    assert offenders == []


def test_the_kernel_imports_no_feature():
    offenders = [(m, t) for m, targets in graph().items()
                 if m.startswith(KERNEL) and m not in WIRING
                 for t in targets if t.startswith(("bot.features", "bot.repos"))]
    assert offenders == []


def test_features_reach_only_their_own_repositories():
    """`...store.volunteers` in the broadcasts feature would skip the volunteers' service."""
    offenders = []
    for path in (ROOT / "features").rglob("*.py"):
        mine = feature_of(module_name(path))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Attribute) and node.attr in REPOS):
                continue
            owner = node.value
            name = owner.attr if isinstance(owner, ast.Attribute) else \
                owner.id if isinstance(owner, ast.Name) else ""
            if name == "store" and REPOS[node.attr] != mine:
                offenders.append((module_name(path), node.lineno, node.attr))
    assert offenders == []
