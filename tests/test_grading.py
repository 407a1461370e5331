"""What a grade says about a submission: the reference, the starter, correct variants and
realistic bugs, graded end to end by `python -m autograder grade`."""
import shutil

import pytest
from conftest import (
    SEED,
    SUBMISSIONS,
    batch_name,
    by_tag,
    grade,
    grade_all,
    header,
    lost,
    outputs,
    reference,
    starter,
)

from autograder.classroom.batch import submission_seed
from autograder.common.messages import MESSAGES

FUNCTION_TAGS = {"forward", "loss", "backward", "sgd_step", "training"}
INTERNAL = ("not your fault", "不是你的问题")


def test_reference_gets_full_marks(graded):
    data = graded(reference())
    assert data["score"] == 100, lost(data)
    assert all(t["status"] == "passed" for t in data["tests"]), lost(data)
    seed = submission_seed(SEED, batch_name(reference()))   # graded in the class batch
    assert data["extra_data"]["seed"] == seed and data["output"] == MESSAGES["seed"]["en"].format(seed=seed)


def test_every_test_has_one_function_tag(graded):
    data = graded(reference())
    assert len(data["tests"]) >= 15
    for t in data["tests"]:
        assert len(t["tags"]) == 1 and t["tags"][0] in FUNCTION_TAGS | {"submission"}, t["name"]


def test_untouched_starter_gets_zero_without_grader_error(graded):
    data = graded(starter())
    assert data["score"] == 0
    text = outputs(data)
    assert "NotImplementedError" in text
    assert not any(s in text for s in INTERNAL)
    assert "/tmp/" not in text   # students see mlp.py, not the sandbox's paths


@pytest.mark.parametrize("path", sorted((SUBMISSIONS / "correct").glob("*.py")), ids=lambda p: p.stem)
def test_correct_variants_get_full_marks(graded, path):
    data = graded(path)
    assert data["score"] == 100, lost(data)


@pytest.mark.parametrize("path", sorted((SUBMISSIONS / "buggy").glob("*.py")), ids=lambda p: p.stem)
def test_bug_costs_points_only_where_it_is(graded, path):
    """A bug loses points in the tests of the function it breaks (and in training when it
    stops learning, as its header declares) and nowhere else. A tag ending in "?" may go
    either way: whether that bug stops learning depends on the random inputs."""
    breaks, _ = header(path)
    must = {t for t in breaks if not t.endswith("?")}
    may = {t.rstrip("?") for t in breaks}
    data = graded(path)
    sums = by_tag(data)
    where = {tag for tag in FUNCTION_TAGS if sums[tag][0] < sums[tag][1]}
    assert must <= where <= may, \
        f"{path.stem}: points lost in {sorted(where)}, expected {sorted(breaks)}\n{lost(data)}"


# Graded once more, in one `grade-all` with another run seed (2): each gets another seed.
OTHER_SEED = 2
RESEEDED = [SUBMISSIONS / "buggy" / "relu_mask_ge_zero.py", SUBMISSIONS / "buggy" / "sigmoid_prime_extra.py"]


@pytest.fixture(scope="module")
def reseeded(tmp_path_factory):
    """{path: results dict} of RESEEDED graded with the run seed OTHER_SEED."""
    folder = tmp_path_factory.mktemp("reseeded")
    for path in RESEEDED:
        shutil.copy(path, folder / f"{batch_name(path)}.py")
    results, _ = grade_all(folder, tmp_path_factory.mktemp("out"), seed=OTHER_SEED)
    return {path: results[batch_name(path)] for path in RESEEDED}


def test_seed_reproduces_a_grade(graded, reseeded, tmp_path):
    """The same seed gives the same grade word for word (in the class batch, and alone);
    another seed gives other random inputs (so the seed is really used: 3.4's figures
    differ) and the same verdict."""
    path = RESEEDED[0]
    seed = submission_seed(SEED, batch_name(path))
    a, c = graded(path), reseeded[path]
    b, _ = grade(path, tmp_path, seed=seed)
    assert a["extra_data"]["seed"] == b["extra_data"]["seed"] == seed
    assert c["extra_data"]["seed"] == submission_seed(OTHER_SEED, batch_name(path)) != seed
    assert [t["output"] for t in a["tests"]] == [t["output"] for t in b["tests"]]
    assert [t["output"] for t in a["tests"]] != [t["output"] for t in c["tests"]], lost(a)
    assert [t["score"] for t in a["tests"]] == [t["score"] for t in c["tests"]], lost(a) + "\n" + lost(c)


def test_messages_name_the_problem(graded):
    data = graded(SUBMISSIONS / "buggy" / "bias_grads_keepdim.py")
    text = outputs(data)
    assert "db1" in text and "(1, " in text


def test_training_score_depends_only_on_the_submission(graded, reseeded):
    """The training run uses fixed data and starting parameters: two runs with different
    seeds (the class batch's and OTHER_SEED's) give the same figures for a slow learner."""
    path = RESEEDED[1]
    runs = [graded(path), reseeded[path]]
    assert runs[0]["extra_data"]["seed"] != runs[1]["extra_data"]["seed"]
    training = [next(t for t in d["tests"] if t["tags"] == ["training"]) for d in runs]
    assert training[0]["output"] == training[1]["output"], [t["output"] for t in training]
    assert all(t["score"] == t["max_score"] for t in training), lost(runs[0])


def test_student_sees_mlp_py_not_the_sandbox_folder(graded):
    """What the student's code prints or warns names mlp.py, never /tmp/grade-worker-.../mlp.py."""
    text = outputs(graded(SUBMISSIONS / "correct" / "correct_warns.py"))
    assert "loading mlp.py" in text and "mlp.py:" in text and "UserWarning" in text, text[:2000]
    assert "/tmp/" not in text and "grade-worker-" not in text, text[:2000]
