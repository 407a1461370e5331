"""A submission that is, or holds, a symbolic link: nothing is read through it, and its
student is told that links are not followed (grade.find_submission, sandbox/nofollow.py,
and a Gradescope export's zip or folder)."""
import os
import stat
import zipfile

import pytest

from autograder.classroom import export
from autograder.classroom.batch import fingerprint
from autograder.classroom.export import SourceError, read_source
from autograder.grading.grade import find_submission
from autograder.sandbox import nofollow

MLP = "def forward(X, params):\n    pass\n"


@pytest.fixture
def secret(tmp_path):
    path = tmp_path / "secret" / "answer.py"
    path.parent.mkdir()
    path.write_text("SECRET = 'do not show me'\n")
    return path


def test_an_mlp_that_is_a_link_is_refused(tmp_path, secret):
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "mlp.py").symlink_to(secret)
    assert find_submission(sub) == (None, ("file_link", {"path": "mlp.py"}))
    assert find_submission(sub / "mlp.py") == (None, ("file_link", {"path": "mlp.py"}))   # named on the command line


def test_an_mlp_behind_a_linked_folder_is_refused(tmp_path, secret):
    sub = tmp_path / "sub"
    sub.mkdir()
    (secret.parent / "mlp.py").write_text(MLP)
    (sub / "code").symlink_to(secret.parent)
    assert find_submission(sub) == (None, ("link_no_file", {"path": "code"}))


def test_a_linked_mlp_beside_a_real_one_counts_as_one_more(tmp_path, secret):
    sub = tmp_path / "sub"
    (sub / "old").mkdir(parents=True)
    (sub / "mlp.py").write_text(MLP)
    (sub / "old" / "mlp.py").symlink_to(secret)
    assert find_submission(sub) == (None, ("several_files", {"paths": "mlp.py, old/mlp.py"}))


def test_a_real_mlp_is_found_with_no_link_on_its_path(tmp_path):
    (tmp_path / "real" / "deep").mkdir(parents=True)
    (tmp_path / "real" / "deep" / "mlp.py").write_text(MLP)
    (tmp_path / "alias").symlink_to(tmp_path / "real")   # the instructor's own link above the submission
    path, problem = find_submission(tmp_path / "real")
    assert problem is None and path == (tmp_path / "real" / "deep" / "mlp.py").resolve()
    assert nofollow.read_bytes(path) == MLP.encode()


def test_nofollow_refuses_a_link_at_any_depth(tmp_path, secret):
    (tmp_path / "d").symlink_to(secret.parent)
    (tmp_path / "f.py").symlink_to(secret)
    for path in (tmp_path / "d" / "answer.py", tmp_path / "f.py"):
        with pytest.raises(nofollow.LinkError):
            nofollow.read_bytes(path)
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(nofollow.LinkError, match="not a regular file"):   # and never blocks on a FIFO
        nofollow.read_bytes(tmp_path / "fifo")


def test_a_link_in_a_zip_export_is_the_students_error(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("alice/mlp.py", MLP)
        for name in ("bob/mlp.py", "carol/code"):
            link = zipfile.ZipInfo(name)
            link.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(link, "/autograder/source/reference/mlp.py")
        z.writestr("carol/README", "x")
    subs = {s.name: s for s in read_source(archive, tmp_path / "scratch", [])}
    assert (subs["alice"].status, subs["bob"].status, subs["carol"].status) == ("ok", "file_link", "link_no_file")
    assert subs["bob"].detail == "mlp.py" and subs["carol"].detail == "code"
    assert all(os.readlink(p) == export.NOWHERE for p in (tmp_path / "scratch").rglob("*") if p.is_symlink())


def test_links_in_a_folder_export_are_never_read(tmp_path, secret):
    src = tmp_path / "src"
    for name in ("alice", "bob"):
        (src / name).mkdir(parents=True)
    (src / "alice" / "mlp.py").write_text(MLP)
    (src / "bob" / "mlp.py").symlink_to(secret)
    (src / "dan.py").symlink_to(secret)
    (src / "eve").symlink_to(secret.parent)
    subs = {s.name: s for s in read_source(src, tmp_path / "scratch", [])}
    assert {n: s.status for n, s in subs.items()} == {"alice": "ok", "bob": "file_link", "dan": "file_link",
                                                      "eve": "file_link"}
    before = fingerprint(subs["bob"], 1, "g")
    secret.write_text("SECRET = 'changed'\n")
    assert fingerprint(subs["bob"], 1, "g") == before   # the link's target is never read


def test_a_linked_metadata_file_is_refused(tmp_path, secret):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "submission_metadata.yml").symlink_to(secret)
    with pytest.raises(SourceError, match="not a link"):
        read_source(tmp_path / "src", tmp_path / "scratch", [])
