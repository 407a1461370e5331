"""The README and docs/ say what is true of the checkout: every relative link resolves (a
file or folder of the repository, and a heading of that page where an anchor is named),
every `python -m autograder ...` command they show parses with the real command line
(autograder/__main__.py's build_parser), every script, make target and option a command
names exists, and the README stays short enough to read in two minutes."""
import contextlib
import io
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder.__main__ import build_parser

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]

FENCE = re.compile(r"^\s*(```|~~~)")
CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
PYTHON = re.compile(r"^(?:\S*/)?python3?(?:\.\d+)?$|^\$\(?PY(?:THON)?\)?$")
OPERATORS = {"&&", "||", ";", "|", "&", "(", ")"}
REDIRECTS = {">", ">>", "<", "2>", "2>>", "&>"}


@dataclass(frozen=True)
class Piece:
    """A piece of a page: a line of a code block, or a paragraph of prose."""
    page: Path
    line: int
    text: str
    code: bool

    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def pieces(page: Path) -> list[Piece]:
    """The lines of every fenced code block (a trailing backslash joins the next line), and
    the prose between them, paragraph by paragraph (a code span or link may break a line)."""
    found, para, para_start, fenced, pending = [], [], 0, False, None
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        if FENCE.match(line):
            if para:
                found.append(Piece(page, para_start, "\n".join(para), False))
                para = []
            fenced = not fenced
            continue
        if fenced:
            start, text = pending or (number, "")
            text += line
            if text.endswith("\\"):
                pending = (start, text[:-1] + " ")
            else:
                pending = None
                found.append(Piece(page, start, text, True))
        elif line.strip():
            para_start = para_start if para else number
            para.append(line)
        elif para:
            found.append(Piece(page, para_start, "\n".join(para), False))
            para = []
    if para:
        found.append(Piece(page, para_start, "\n".join(para), False))
    return found


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: its text lower-cased, punctuation dropped, spaces as -."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "")
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    fenced = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced and (m := HEADING.match(line)):
            base = slug(m.group(2))
            seen[base if base not in seen else f"{base}-{seen[base]}"] = 0
            seen[base] = seen.get(base, 0) + 1
    return set(seen)


def links() -> list[tuple[Piece, str]]:
    found = []
    for page in PAGES:
        for piece in pieces(page):
            if not piece.code:
                prose = CODE_SPAN.sub("", piece.text)
                found += [(piece, m.group(1)) for m in LINK.finditer(prose)]
    return found


def shell_commands(text: str) -> list[list[str]]:
    """The simple commands of a shell line, each without its comment, its redirections and
    the variables set before it."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split, lexer.commenters = True, ""
    try:
        tokens = list(lexer)
    except ValueError:   # an unclosed quote: not a command
        return []
    commands, current, skip = [], [], False
    for token in tokens:
        if token.startswith("#"):
            break
        if skip:
            skip = False
        elif token in OPERATORS:
            commands.append(current)
            current = []
        elif token in REDIRECTS:
            skip = True
        else:
            current.append(token)
    commands.append(current)
    cleaned = []
    for command in commands:
        while command and (ASSIGNMENT.match(command[0]) or command[0] in ("sudo", "env")):
            command = command[1:]
        if command:
            cleaned.append(command)
    return cleaned


def autograder_args(command: list[str]) -> list[str] | None:
    """The arguments of `python -m autograder ARGS` or `autograder ARGS`; None for any other
    command, and for the bare name (a mention, not a command)."""
    if command[0] == "autograder":
        args = command[1:]
    elif len(command) >= 3 and PYTHON.match(command[0]) and command[1:3] == ["-m", "autograder"]:
        args = command[3:]
    else:
        return None
    return args or None


def commands() -> list[tuple[Piece, list[str]]]:
    """Every command of a code block line, and every code span of prose that is a command."""
    found = []
    for page in PAGES:
        for piece in pieces(page):
            texts = [piece.text] if piece.code else \
                [m.group(2).replace("\n", " ").strip() for m in CODE_SPAN.finditer(piece.text)]
            for text in texts:
                found += [(piece, command) for command in shell_commands(text)]
    return found


def autograder_commands() -> list[tuple[Piece, list[str]]]:
    return [(piece, args) for piece, command in commands() if (args := autograder_args(command))]


def test_there_are_docs_and_commands_to_check():
    assert DOCS, "docs/ has no page"
    found = autograder_commands()
    assert any(piece.page == README and args[0] == "grade" for piece, args in found), \
        "the README shows no `python -m autograder grade ...` command"
    assert links(), "no link found: the link check would check nothing"


@pytest.mark.parametrize("piece, target", links(), ids=lambda x: x.where() if isinstance(x, Piece) else x)
def test_each_link_resolves(piece, target):
    if SCHEME.match(target):
        return   # an address on the web: not checked here
    path, _, anchor = target.partition("#")
    dest = (piece.page.parent / path).resolve() if path else piece.page
    assert dest.exists(), f"{piece.where()}: {target} leads nowhere ({dest} does not exist)"
    assert dest.is_relative_to(ROOT), f"{piece.where()}: {target} leads out of the repository"
    if anchor:
        assert dest.suffix == ".md", f"{piece.where()}: {target} names an anchor in a page that is not Markdown"
        assert anchor in anchors(dest), \
            f"{piece.where()}: {dest.relative_to(ROOT)} has no heading #{anchor} (it has {sorted(anchors(dest))})"


@pytest.mark.parametrize("piece, args", autograder_commands(),
                         ids=lambda x: x.where() if isinstance(x, Piece) else shlex.join(x))
def test_each_autograder_command_parses(piece, args):
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            parsed = build_parser().parse_args(args)
    except SystemExit:
        pytest.fail(f"{piece.where()}: `{shlex.join(args)}` is refused by the command line:\n{err.getvalue()}")
    assert parsed.command in args


def script_commands() -> list[tuple[Piece, list[str]]]:
    """Commands that run a file of the repository (python bench/x.py, bash x.sh, ./run_autograder)."""
    found = []
    for piece, command in commands():
        if PYTHON.match(command[0]) and len(command) > 1 and command[1] != "-m":
            script, args = command[1], command[2:]
        elif command[0] in ("bash", "sh") and len(command) > 1:
            script, args = command[1], command[2:]
        elif command[0].startswith("./"):
            script, args = command[0], command[1:]
        else:
            continue
        if "/" in script and not script.startswith("/"):   # a file of the checkout, not of a handout
            found.append((piece, [script, *args]))
    return found


@pytest.mark.parametrize("piece, command", script_commands(),
                         ids=lambda x: x.where() if isinstance(x, Piece) else shlex.join(x))
def test_each_script_a_doc_runs_exists_with_its_options(piece, command):
    script, *args = command
    path = ROOT / script
    assert path.is_file(), f"{piece.where()}: {script} does not exist"
    source = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        for option in (a.split("=")[0] for a in args if a.startswith("--")):
            assert re.search(rf"""["']{re.escape(option)}["']""", source), \
                f"{piece.where()}: {script} has no option {option}"


def make_commands() -> list[tuple[Piece, list[str]]]:
    return [(piece, command) for piece, command in commands() if command[0] == "make"]


@pytest.mark.parametrize("piece, command", make_commands(),
                         ids=lambda x: x.where() if isinstance(x, Piece) else shlex.join(x))
def test_each_make_target_exists(piece, command):
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in (a for a in command[1:] if not ASSIGNMENT.match(a) and not a.startswith("-")):
        assert re.search(rf"^{re.escape(target)}:", makefile, re.M), f"{piece.where()}: no make target {target}"


def test_the_readme_is_short_and_answers_first_things_first():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines: at most 200, the rest goes to docs/"
    grade = next((n for n, line in enumerate(lines, 1) if re.search(r"-m autograder grade \S", line)), None)
    assert grade is not None and grade < 40, f"the command to grade one file is at line {grade}: before 40"
    deploy = next((n for n, line in enumerate(lines, 1) if re.match(r"#+ .*Gradescope", line)), None)
    assert deploy is not None and deploy < 100, f"deploying to Gradescope starts at line {deploy}: before 100"


def test_the_readme_links_every_docs_page():
    linked = {(README.parent / target.partition("#")[0]).resolve()
              for piece, target in links() if piece.page == README and not SCHEME.match(target)}
    missing = [page.name for page in DOCS if page.resolve() not in linked]
    assert not missing, f"docs pages the README does not link to: {missing}"
