"""A submission that is only a link scores nothing: it is told so in test 0.1, and what
the link points to (the hidden reference, a root-only file) is never read, graded or
shown. The unit tests (tests/unit/test_links.py) cover every shape of link; these grade."""
import json
import os
import zipfile

from conftest import grade, grade_all, lost, needs_root, outputs, reference

from autograder.common.messages import say


def test_a_link_to_the_reference_scores_zero(tmp_path):
    sub = tmp_path / "submission"
    sub.mkdir()
    (sub / "mlp.py").symlink_to(reference())
    data, _ = grade(sub, tmp_path)
    assert data["score"] == 0, lost(data)
    first = data["tests"][0]
    assert first["number"] == "0.1" and say("file_link", "en", path="mlp.py") in first["output"], lost(data)


def test_a_link_is_told_in_chinese(tmp_path):
    sub = tmp_path / "submission"
    (sub / "code").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "mlp.py").symlink_to(reference())
    os.rmdir(sub / "code")
    (sub / "code").symlink_to(tmp_path / "elsewhere")   # a link in a folder on the way
    data, _ = grade(sub, tmp_path, language="zh")
    assert data["score"] == 0, lost(data)
    assert say("link_no_file", "zh", path="code") in outputs(data), lost(data)


@needs_root
def test_a_link_to_a_root_only_file_shows_none_of_it(tmp_path):
    """Not even as the line of a SyntaxError: the file is never opened."""
    secret = tmp_path / "secret.py"
    secret.write_text("TOKEN_4F1C = 'root only' +\n")   # a syntax error, were it ever imported
    os.chmod(secret, 0o600)
    sub = tmp_path / "submission"
    sub.mkdir()
    (sub / "mlp.py").symlink_to(secret)
    data, proc = grade(sub, tmp_path)
    assert data["score"] == 0, lost(data)
    for text in (json.dumps(data), proc.stdout, proc.stderr):
        assert "TOKEN_4F1C" not in text and "root only" not in text


def test_a_link_in_a_zip_export_scores_zero_beside_a_real_file(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(reference(), "alice/mlp.py")
        link = zipfile.ZipInfo("mallory/mlp.py")
        link.external_attr = (0o120777) << 16   # S_IFLNK
        z.writestr(link, str(reference()))
    results, _ = grade_all(archive, tmp_path / "out")
    assert results["alice"]["score"] == 100, lost(results["alice"])
    assert results["mallory"]["score"] == 0, lost(results["mallory"])
    assert say("file_link", "en", path="mlp.py") in outputs(results["mallory"]), lost(results["mallory"])
