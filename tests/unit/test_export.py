"""Reading what an instructor hands to grade-all (classroom/export.py), on small exports
built here: which submissions there are, who submitted each, and the status that decides
whether and how it is graded; unsafe zips are refused or defused."""
import os
import stat
import zipfile

import pytest

from autograder.classroom import export
from autograder.classroom.export import SourceError, read_source
from autograder.common import messages

MLP = "def forward(X, params):\n    pass\n"
METADATA = """\
submission_1:
  :submitters:
  - :name: Alice Zhang
    :sid: '1001'
    :email: alice@example.edu
  :created_at: 2026-11-01 10:00:00.000000000 -07:00
  :score: 12.0
submission_2:
  :submitters:
  - :name: 王小明
    :sid: '1002'
    :email: wang@example.edu
  - :name: Bob Li
    :sid: '1003'
    :email: bob@example.edu
  :created_at: 2026-11-02 10:00:00.000000000 -07:00
submission_3:
  :submitters:
  - :name: Carol
    :sid: '1004'
submission_4:
  :submitters: []
submission_5:
  :submitters:
  - :name: Dan
submission_6:
  :submitters: []
"""
FILES = {"submission_1/mlp.py": MLP,
         "submission_2/code/mlp.py": MLP,          # a group; its file one folder down
         "submission_3/mlp.py": MLP, "submission_3/old/mlp.py": MLP,   # two mlp.py
         "submission_4/README.md": "no code here",
         "submission_6/.keep": "",                 # an empty submission
         "extra one/mlp.py": MLP,                  # not in the metadata
         "__MACOSX/submission_1/mlp.py": MLP}      # what a Mac's zip adds
# submission_5 is named in the metadata, but has no folder


@pytest.fixture(autouse=True)
def in_english():
    """export's notes are in the configured language (zh by default): these read English."""
    before = messages.language()
    messages.set_language("en")
    yield
    messages.set_language(before)


def build(root, top="assignment_42_export"):
    base = root / top if top else root
    base.mkdir(parents=True)
    (base / "submission_metadata.yml").write_text(METADATA, encoding="utf-8")
    for rel, text in FILES.items():
        (base / rel).parent.mkdir(parents=True, exist_ok=True)
        (base / rel).write_text(text, encoding="utf-8")
    return root


def zipped(folder, path):
    with zipfile.ZipFile(path, "w") as z:
        for p in sorted(folder.rglob("*")):
            z.write(p, p.relative_to(folder))
    return path


def statuses(subs):
    return {s.name: (s.status, s.detail) for s in subs}


EXPECTED = {
    "submission_1": ("ok", ""), "submission_2": ("ok", ""),
    "submission_3": ("several_files", "mlp.py, old/mlp.py"),
    "submission_4": ("no_file", "no file named mlp.py"), "submission_6": ("no_file", "no file named mlp.py"),
    "submission_5": ("missing", "named in submission_metadata.yml, but no such folder"),
    "extra one": ("ok", "not in submission_metadata.yml"),
}


@pytest.mark.parametrize("top", ["assignment_42_export", ""])
def test_a_gradescope_export_folder(tmp_path, top):
    """The metadata at the export's root or inside its one top folder."""
    subs = read_source(build(tmp_path / "src", top), tmp_path / "scratch")
    assert statuses(subs) == EXPECTED
    by = {s.name: s for s in subs}
    assert [p["name"] for p in by["submission_2"].submitters] == ["王小明", "Bob Li"]
    assert by["submission_1"].submitters == [{"name": "Alice Zhang", "sid": "1001", "email": "alice@example.edu"}]
    assert by["submission_5"].submitters == [{"name": "Dan", "sid": "", "email": ""}]
    assert by["submission_1"].created_at.startswith("2026-11-01 10:00")
    assert by["submission_2"].path.relative_to(tmp_path / "src").parts[-2:] == ("code", "mlp.py")
    assert not (tmp_path / "scratch").exists(), "a folder is read where it is, never copied"


def test_the_zip_of_an_export_reads_the_same(tmp_path):
    archive = zipped(build(tmp_path / "src"), tmp_path / "export.zip")
    subs = read_source(archive, tmp_path / "scratch")
    assert statuses(subs) == EXPECTED
    assert all(s.path.is_relative_to(tmp_path / "scratch") for s in subs if s.path)


def test_plain_folder_takes_folders_and_py_files(tmp_path):
    """Each subfolder and each .py file is a submission; other files are ignored."""
    (tmp_path / "alice" / "deep").mkdir(parents=True)
    (tmp_path / "alice" / "deep" / "mlp.py").write_text("")
    (tmp_path / "bob.py").write_text("")
    (tmp_path / "notes.txt").write_text("")
    (tmp_path / "empty").mkdir()
    subs = {s.name: s.status for s in read_source(tmp_path, tmp_path / "unused")}
    assert subs == {"alice": "ok", "bob": "ok", "empty": "no_file"}


def test_a_plain_folder_of_py_files_grades_each_file(tmp_path):
    for name in ("s1.py", "s2.py", ".hidden.py"):
        (tmp_path / name).write_text(MLP)
    subs = read_source(tmp_path, tmp_path / "unused")
    assert [(s.name, s.status, s.path.name) for s in subs] == [
        ("_.hidden", "ok", ".hidden.py"), ("s1", "ok", "s1.py"), ("s2", "ok", "s2.py")]


def test_too_large_and_not_utf8(tmp_path, monkeypatch):
    monkeypatch.setattr(export, "MAX_FILE_BYTES", 100)
    (tmp_path / "big").mkdir()
    (tmp_path / "big" / "mlp.py").write_bytes(b"#" * 101)
    (tmp_path / "latin").mkdir()
    (tmp_path / "latin" / "mlp.py").write_bytes(b"# caf\xe9\n")
    assert statuses(read_source(tmp_path, tmp_path / "unused")) == {
        "big": ("too_large", "mlp.py is 0.0 MB"), "latin": ("ok", "not UTF-8: graded as it is")}


def test_names_become_safe_file_names():
    assert export.safe_name("a/b\\c\x00d") == "a_b_c_d"
    assert export.safe_name("..") == "_.." and export.safe_name("  ") == "_"


def test_no_such_source_and_a_corrupt_zip_are_refused(tmp_path):
    with pytest.raises(SourceError, match="does not exist"):
        read_source(tmp_path / "nothing", tmp_path / "scratch")
    bad = tmp_path / "export.zip"
    bad.write_bytes(b"PK\x03\x04 this is not a zip")
    with pytest.raises(SourceError, match="not a readable zip file"):
        read_source(bad, tmp_path / "scratch")


def test_unreadable_metadata_is_refused(tmp_path):
    (tmp_path / "submission_metadata.yml").write_text("a: [unclosed\n")
    with pytest.raises(SourceError, match="cannot be read"):
        read_source(tmp_path, tmp_path / "scratch")
    (tmp_path / "submission_metadata.yml").write_text("- a list\n")
    with pytest.raises(SourceError, match="not a mapping"):
        read_source(tmp_path, tmp_path / "scratch")


def test_a_zip_slip_writes_nothing_outside(tmp_path):
    """Members that would land outside the scratch folder, and links, are skipped and
    named; the rest is unpacked."""
    archive = tmp_path / "slip.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("s1/mlp.py", MLP)
        z.writestr("../escaped.py", "x")
        z.writestr("s2/../../escaped2.py", "x")
        z.writestr(str(tmp_path / "absolute.py"), "x")   # an absolute name
        link = zipfile.ZipInfo("s3/mlp.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(link, "/etc/passwd")
    skipped = []
    subs = read_source(archive, tmp_path / "scratch", skipped)
    assert sorted(skipped) == sorted(["../escaped.py", "s2/../../escaped2.py", str(tmp_path / "absolute.py"),
                                      "s3/mlp.py"])
    assert not any((tmp_path / name).exists() for name in ("escaped.py", "escaped2.py", "absolute.py"))
    links = [p for p in (tmp_path / "scratch").rglob("*") if p.is_symlink()]   # made to point nowhere
    assert [(p.name, os.readlink(p)) for p in links] == [("mlp.py", export.NOWHERE)]
    assert {s.name: s.status for s in subs}["s1"] == "ok" and {s.name: s.status for s in subs}["s3"] == "file_link"
    assert all(os.path.realpath(p).startswith(str(tmp_path / "scratch")) for p in (tmp_path / "scratch").rglob("*"))


def test_a_zip_bomb_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(export, "MAX_UNPACKED_BYTES", 1 << 20)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("submission_1/mlp.py", b"\0" * (4 << 20))   # 4 MB of zeros: a few kilobytes zipped
    with pytest.raises(SourceError, match="zip bomb"):
        export.unpack(bomb, tmp_path / "into")
    assert sum(p.stat().st_size for p in (tmp_path / "into").rglob("*") if p.is_file()) <= (1 << 20) + (1 << 20)


def test_a_zip_of_too_many_members_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(export, "MAX_MEMBERS", 3)
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for i in range(4):
            z.writestr(f"s{i}/mlp.py", MLP)
    with pytest.raises(SourceError, match="holds 4 files; at most 3"):
        read_source(archive, tmp_path / "scratch")


def _plain(root, names):
    root.mkdir()
    for name in names:
        if name.endswith("/"):
            (root / name).mkdir()
            (root / name / "mlp.py").write_text(MLP, encoding="utf-8")
        else:
            (root / name).write_text(MLP, encoding="utf-8")
    return root


def test_a_folder_and_a_file_of_one_name_keep_a_result_each(tmp_path):
    """alice/ and alice.py would both be results/alice.json: the folder, whose name it is,
    keeps it; the file gets a name of its own, from a digest of "alice.py", and says so."""
    subs = read_source(_plain(tmp_path / "class", ["alice/", "alice.py", "bob.py"]), tmp_path / "scratch")
    names = [s.name for s in subs]
    assert len(set(names)) == 3 and "alice" in names and "bob" in names, names
    renamed = next(s for s in subs if s.renamed_from)
    assert renamed.renamed_from == "alice.py" and renamed.where.name == "alice.py"
    assert renamed.name == "alice-" + export.hashlib.sha256(b"alice.py").hexdigest()[:8]
    assert renamed.status == "ok" and f"results/{renamed.name}.json" in renamed.detail
    assert "'alice.py' shares its file name with another submission" in renamed.detail
    folder = next(s for s in subs if s.name == "alice")
    assert folder.where.is_dir() and not folder.renamed_from and folder.detail == ""


def test_a_renamed_submission_is_named_the_same_whatever_the_order():
    """Names that safe_name makes one (a/b, a\\b and a_b) each get their own; the names do
    not depend on the order the source lists them in, nor on a rerun."""
    originals = ["a/b", "a\\b", "a_b", "x"]

    def names(order):
        subs = [(export.Submission(export.safe_name(o)), o) for o in order]
        return {o: s.name for s, o in zip(export.distinct(subs), order)}

    first = names(originals)
    assert first == names(list(reversed(originals))) == names(originals[1:3] + originals[:1] + originals[3:])
    assert len(set(first.values())) == 4 and first["a_b"] == "a_b" and first["x"] == "x"
    assert all(first[o].startswith("a_b-") for o in ("a/b", "a\\b"))


def test_a_suffix_never_takes_another_submissions_name():
    taken = "alice-" + export.hashlib.sha256(b"alice.py").hexdigest()[:8]
    subs = [(export.Submission("alice"), "alice"), (export.Submission("alice"), "alice.py"),
            (export.Submission(taken), taken)]
    names = [s.name for s in export.distinct(subs)]
    assert len(set(names)) == 3 and names[0] == "alice" and names[2] == taken, names
    assert names[1].startswith(taken) and len(names[1]) > len(taken)


def test_gradescope_keys_that_make_one_name_keep_a_result_each(tmp_path):
    """A key of the metadata and a folder not in it that safe_name makes one (s_1 and
    s<control character>1): the one named so keeps the name, the other gets its own."""
    base = tmp_path / "export"
    base.mkdir()
    (base / "submission_metadata.yml").write_text("s_1:\n  :submitters: []\n", encoding="utf-8")
    for folder in ("s_1", "s\x011"):
        (base / folder).mkdir()
        (base / folder / "mlp.py").write_text(MLP, encoding="utf-8")
    subs = read_source(base, tmp_path / "scratch")
    assert [s.name for s in subs][0] == "s_1" and len({s.name for s in subs}) == 2
    assert [s.renamed_from for s in subs] == ["", "s\x011"] and subs[1].name.startswith("s_1-")
    assert subs[1].detail.startswith("not in submission_metadata.yml; ")


def test_the_renaming_note_is_said_in_both_languages():
    for lang in messages.LANGUAGES:
        text = messages.say("detail_renamed", lang, original="alice.py", name="alice-1234abcd")
        assert "'alice.py'" in text and "results/alice-1234abcd.json" in text
