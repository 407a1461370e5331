"""bench/bench_scale.py's class generator (no grading): the mix it states, files that are
all different, the same class every time, and the slow hostile submissions left out
unless asked for."""
import hashlib
import importlib.util
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("bench_scale", ROOT / "bench" / "bench_scale.py")
bench_scale = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_scale)

MIX = {"correct": 0.70, "buggy": 0.25, "hostile": 0.05}


def test_counts_are_exact_and_add_up():
    assert bench_scale.counts(10000, MIX) == {"correct": 7000, "buggy": 2500, "hostile": 500}
    for size in (1, 7, 40, 119, 120, 333):
        assert sum(bench_scale.counts(size, MIX).values()) == size, size


def test_class_has_the_mix_unique_files_and_is_the_same_every_time(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    made = bench_scale.generate(a, 400, MIX)
    assert bench_scale.generate(b, 400, MIX) == made
    assert Counter(kind for _, kind, _ in made) == {"correct": 280, "buggy": 100, "hostile": 20}
    files = sorted(a.iterdir())
    assert [p.stem for p in files] == sorted(name for name, _, _ in made)
    assert all(p.name.startswith(f"s{i:05d}_") for i, p in enumerate(files))
    assert [p.read_bytes() for p in files] == [(b / p.name).read_bytes() for p in files]
    assert len({hashlib.sha256(p.read_bytes()).digest() for p in files}) == 400, "two files share a fingerprint"
    assert not {stem for _, _, stem in made} & set(bench_scale.SLOW_HOSTILE)
    assert "__REFERENCE_PATH__" not in "".join(p.read_text() for p in files)


def test_slow_hostile_only_when_asked(tmp_path):
    made = bench_scale.generate(tmp_path, 100, {"correct": 0, "buggy": 0, "hostile": 1}, with_slow=True)
    assert set(bench_scale.SLOW_HOSTILE) <= {stem for _, _, stem in made}
