"""Read what an instructor hands to grade-all: a Gradescope export ("Download
submissions", as the zip or unpacked) or a plain folder of student folders and .py files.

Gradescope's export holds submission_metadata.yml (at its root or inside one top folder)
and one folder per submission. The metadata's keys are those folder names; each value
holds :submitters: (a list of :name:, :sid:, :email:) and :created_at:, among others.
Nothing in the source is ever modified: a zip is unpacked, with limits, into the output
folder.

Every submission becomes one Submission, whatever is wrong with it; what is wrong is its
status, and only a submission with status "ok" is graded.
"""
from __future__ import annotations

import hashlib
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..common.messages import say
from ..grading.grade import find_submission
from ..sandbox import nofollow

MAX_FILE_BYTES = 1 << 20         # a real solution is a few kilobytes
MAX_UNPACKED_BYTES = 1 << 30    # a zip that would unpack to more is refused (a zip bomb)
MAX_MEMBERS = 100_000
NOWHERE = "(a link in the zip, not unpacked)"   # what a zip's link becomes: a link to no file
# Statuses the grader gives a verdict on: without exactly one file of the assignment's name it is 0, with its usual
# message, as on Gradescope. The others (too_large, missing) are not graded.
GRADED_STATUSES = ("ok", "no_file", "several_files", "file_link", "link_no_file")
STATUSES = (*GRADED_STATUSES, "too_large", "missing")   # each is said in words by messages' status_<it>


@dataclass
class Submission:
    """One submission of the class, graded or not."""

    name: str                          # its folder (or file) name in the source; results/<name>.json
    path: Path | None = None           # the file to grade (status "ok")
    status: str = "ok"                 # one of STATUSES
    detail: str = ""                   # for the instructor, in the configured language: which files, how large, ...
    submitters: list = field(default_factory=list)   # [{"name", "sid", "email"}]; [] if unknown
    created_at: str = ""
    where: Path | None = None          # the folder (or .py file) it was found in; what grade-all grades
    renamed_from: str = ""             # its name in the source, when that name was another's too (distinct)


class SourceError(Exception):
    """The source as a whole cannot be read (a corrupt zip, no such folder)."""


def _key(mapping, name):
    """Gradescope writes Ruby symbols: ':submitters' (older exports may drop the colon)."""
    if not isinstance(mapping, dict):
        return None
    for k in (f":{name}", name):
        if k in mapping:
            return mapping[k]
    return None


def safe_name(name: str) -> str:
    """A file name for results/<name>.json: no separators, no control characters."""
    name = re.sub(r"[\x00-\x1f/\\]", "_", name).strip() or "_"
    return "_" + name if name.startswith(".") else name


def distinct(subs: list[tuple[Submission, str]]) -> list[Submission]:
    """Give each submission a name of its own: [(submission, its name in the source)]
    where safe_name made two names one (a folder alice/ and a file alice.py; "a/b" and
    "a_b"), or one result would overwrite another. Of those sharing a name, the one whose
    name in the source is that name keeps it; each other one is named NAME-<digest of its
    name in the source>: the same on every run, whatever the order of the listing. Each
    renamed submission's detail says so (messages' detail_renamed)."""
    groups = {}
    for sub, original in subs:
        groups.setdefault(sub.name, []).append((sub, original))
    taken = set(groups)
    for name, group in sorted(groups.items()):
        if len(group) < 2:
            continue
        for sub, original in sorted(group, key=lambda pair: pair[1]):
            if original == name:
                continue
            digest = hashlib.sha256(original.encode("utf-8", "surrogateescape")).hexdigest()
            size = 8
            while f"{name}-{digest[:size]}" in taken and size < len(digest):
                size += 8
            sub.name = f"{name}-{digest[:size]}"
            taken.add(sub.name)
            sub.renamed_from = original
            note = say("detail_renamed", original=original, name=sub.name)
            sub.detail = f"{sub.detail}; {note}" if sub.detail else note
    return [sub for sub, _ in subs]


def unpack(zip_path: Path | str, into: Path | str, skipped: list[str] | None = None) -> Path:
    """Unpack a zip safely: no member outside into (skipped, and named in the list
    skipped), at most MAX_UNPACKED_BYTES written whatever the zip claims. A link is never
    made as it is: it becomes a link to nowhere (NOWHERE), also named in skipped, so its
    student is told that a link is there (grade.find_submission) and nothing is read.
    Raises SourceError for a zip that cannot be read or would unpack to too much."""
    skipped = [] if skipped is None else skipped
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceError(f"{zip_path} is not a readable zip file ({exc})") from None
    into = Path(into).resolve()
    written = 0
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise SourceError(f"{zip_path} holds {len(members)} files; at most {MAX_MEMBERS} are unpacked")
        for info in members:
            target = (into / info.filename).resolve()
            if into not in target.parents or stat.S_ISLNK(info.external_attr >> 16):
                skipped.append(info.filename)   # outside the folder, or a link: never made as it is
                if into in target.parents and not os.path.lexists(target):
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.symlink(NOWHERE, target)
                continue
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(info) as src, open(target, "wb") as dst:
                    while chunk := src.read(1 << 20):
                        written += len(chunk)
                        if written > MAX_UNPACKED_BYTES:
                            raise SourceError(f"{zip_path} unpacks to more than {MAX_UNPACKED_BYTES >> 20} MB; "
                                              "refused (a zip bomb?)")
                        dst.write(chunk)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError) as exc:
                raise SourceError(f"{zip_path}: cannot unpack {info.filename!r} ({exc})") from None
    return into


def _root(folder):
    """The folder that holds submission_metadata.yml (the export's root or its one top
    folder), or None for a plain folder."""
    if os.path.lexists(folder / "submission_metadata.yml"):
        return folder
    tops = [p for p in folder.iterdir() if p.is_dir() and not p.is_symlink() and p.name != "__MACOSX"]
    if len(tops) == 1 and os.path.lexists(tops[0] / "submission_metadata.yml"):
        return tops[0]
    return None


def _look_at(sub, where):
    """Find the one file to grade of a submission (a folder, or a .py file) and set its status.
    The search is grade.find_submission's, so a batch finds what `grade` alone finds."""
    sub.where = where
    source, problem = find_submission(where)
    if problem:
        sub.status = problem[0]
        sub.detail = problem[1].get("paths") or problem[1].get("path") or say("detail_no_file")
        return sub
    size = nofollow.size(source)
    if size > MAX_FILE_BYTES:
        sub.status, sub.detail = "too_large", say("detail_too_large", name=source.name, mb=size / 2**20)
        return sub
    sub.path = source
    try:
        nofollow.read_bytes(source).decode("utf-8")
    except UnicodeDecodeError:
        sub.detail = say("detail_not_utf8")   # Python may still read it (a coding line)
    return sub


def read_source(source: Path | str, scratch: Path | str, skipped: list[str] | None = None) -> list[Submission]:
    """[Submission] for a Gradescope export (zip or folder) or a plain folder.
    scratch: an empty folder of ours where a zip is unpacked; skipped: a list that
    receives the zip members left out. Raises SourceError."""
    source = Path(source)
    if not source.exists():
        raise SourceError(f"{source} does not exist")
    folder = unpack(source, scratch, skipped) if source.is_file() else source
    root = _root(folder)
    if root is None:   # a plain folder: each subfolder or .py file is one submission
        return distinct([(_look_at(Submission(safe_name(p.name if p.is_dir() else p.stem)), p), p.name)
                         for p in sorted(folder.iterdir())
                         if (p.is_dir() and p.name != "__MACOSX") or (p.is_file() and p.suffix == ".py")])
    try:
        text = nofollow.read_bytes(root.resolve() / "submission_metadata.yml").decode("utf-8")
        metadata = yaml.safe_load(text) or {}
    except nofollow.LinkError as exc:
        raise SourceError(f"submission_metadata.yml is refused: it must be a file, not a link ({exc})") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SourceError(f"submission_metadata.yml cannot be read ({exc})") from None
    if not isinstance(metadata, dict):
        raise SourceError("submission_metadata.yml is not a mapping of submissions")
    subs = []
    for key, info in metadata.items():
        people = _key(info, "submitters") or []
        sub = Submission(safe_name(str(key)), created_at=str(_key(info, "created_at") or ""),
                         submitters=[{f: str(_key(p, f) or "") for f in ("name", "sid", "email")}
                                     for p in people if isinstance(p, dict)])
        where = root / str(key)
        if not where.is_dir():
            sub.status, sub.detail = "missing", say("detail_missing")
        else:
            _look_at(sub, where)
        subs.append((sub, str(key)))
    known = {str(k) for k in metadata}
    for p in sorted(root.iterdir()):
        if p.is_dir() and p.name not in known and p.name != "__MACOSX":
            sub = _look_at(Submission(safe_name(p.name)), p)
            if sub.status == "ok":
                sub.detail = say("detail_not_in_metadata") + (f"; {sub.detail}" if sub.detail else "")
            subs.append((sub, p.name))
    return distinct(subs)

