"""The command line as a user meets it: exit codes, one-line errors, files written."""

from __future__ import annotations

import html
import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from core.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
FAST = ["--models", "decision_tree", "--workers", "0"]


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "core", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_run_on_a_sample_writes_every_file(tmp_path):
    proc = _cli("run", "sample:penguins", "--out", str(tmp_path), "--models", "decision_tree")
    assert proc.returncode == 0, proc.stderr
    assert "Decision tree (shallow)" in proc.stdout
    assert "p50 ms" in proc.stdout
    assert "size MB" in proc.stdout
    assert "Results written to" in proc.stdout
    doc = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert doc["dataset"]["target"] == "species"
    assert doc["dataset"]["task"] == "multiclass"
    assert {m["name"] for m in doc["models"]} == {"dummy", "simple", "decision_tree"}
    assert (tmp_path / "leaderboard.csv").exists()
    assert (tmp_path / "predictions.csv").exists()
    for m in doc["models"]:
        assert (tmp_path / m["model_file"]).stat().st_size == m["size_bytes"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "missing.csv", "--target", "y"], "error: File 'missing.csv' does not exist"),
        (["run", "sample:nope"], "error: Unknown sample dataset 'nope'"),
        (["run", "sample:penguins", "--target", "specie"], "error: .*specie"),
        (["run", "sample:penguins", "--models", "warp_drive"], "error: Unknown model 'warp_drive'"),
        (["run", "sample:penguins", "--metric", "r2"], "error: 'r2' cannot be the primary metric"),
        (["run", "sample:penguins", "--cv", "1"], "error: argument --cv: '1' cannot be a number"),
        (["run", "sample:diabetes", "--models", "naive_bayes"], "error: Model 'naive_bayes' can"),
        (
            ["run", "sample:penguins", "--seed", "abc"],
            "error: argument --seed: 'abc' is not a whole",
        ),
        (
            ["run", "sample:penguins", "--seed", "-1"],
            "--seed: '-1' cannot be a random seed: it must",
        ),
        (["run", "sample:penguins", "--seed", "1.5"], "--seed: '1.5' is not a whole number"),
        (["run", "sample:penguins", "--max-mb", "nan"], "--max-mb: 'nan' cannot be a file size"),
        (["run", "sample:penguins", "--max-mb", "inf"], "--max-mb: 'inf' cannot be a file size"),
        (["run", "sample:penguins", "--max-mb", "-1"], "--max-mb: '-1' cannot be .* more than 0"),
        (
            ["run", "sample:penguins", "--test-size", "1.5"],
            "--test-size: '1.5' cannot be the share",
        ),
        (["run", "sample:penguins", "--test-size", "nan"], "--test-size: 'nan' cannot be"),
        (["run", "sample:penguins", "--cv", "0"], "--cv: '0' cannot be a number of folds"),
        (["run", "sample:penguins", "--workers", "-1"], "--workers: '-1' cannot be a number of"),
        (["run", "sample:penguins", "--time-limit", "-5"], "--time-limit: '-5' cannot be a time"),
        (["run", "sample:penguins", "--time-limit", "inf"], "--time-limit: 'inf' cannot be a time"),
        (["run", "sample:penguins", "--price-per-vcpu-hour", "-0.1"], "cannot be a price"),
        (["run", "sample:penguins", "--max-latency-ms", "0"], "--max-latency-ms: '0' cannot be a"),
        (["run", "sample:penguins", "--max-size-mb", "nan"], "--max-size-mb: 'nan' cannot be a"),
        (["run"], "error: the following arguments are required: data"),
        (["fly"], "error: argument command: invalid choice"),
    ],
)
def test_user_errors_exit_2_with_one_line(args, message, capsys, tmp_path):
    argv = [*args, "--out", str(tmp_path), "--workers", "0"] if len(args) > 1 else args
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error:")
    assert re.search(message, lines[0]), lines[0]
    assert "Traceback" not in err


def test_bad_file_content_is_one_line_error(tmp_path):
    bad = tmp_path / "page.csv"
    bad.write_text("<!doctype html><html><body>not a table</body></html>", encoding="utf-8")
    proc = _cli("run", str(bad), "--target", "x", *FAST)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error:")
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


def test_listings():
    proc = _cli("models")
    assert proc.returncode == 0
    assert "xgboost_small" in proc.stdout
    assert "opt-in" in proc.stdout
    proc = _cli("samples")
    assert "sample:german_credit" in proc.stdout


def test_run_with_report_writes_a_self_contained_report(tmp_path):
    proc = _cli("run", "sample:german_credit", "--out", str(tmp_path), "--report", *FAST)
    assert proc.returncode == 0, proc.stderr
    assert "report.html" in proc.stdout
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    # No money on placeholder numbers: the command line takes no business numbers.
    assert "<h2>Business case</h2>" not in page
    assert "By sex" in page
    assert "Why the model decides what it decides" in page
    document = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    sentence = document["recommendation"]["sentence"]
    assert sentence in proc.stdout  # the CLI prints the pick results.json records
    assert html.escape(sentence, quote=False) in page  # and so does the report


@pytest.mark.slow
def test_curves_write_their_file_and_the_same_sentence_everywhere(tmp_path):
    """--curves: curves.json, a line on the terminal and a section of the report, one sentence;
    a calibrated variant trains like any model."""
    from core.curves import curves_from_dict
    from core.study_files import loads

    proc = _cli(
        "run", "sample:breast_cancer", "--out", str(tmp_path), "--curves", "--report",
        "--models", "decision_tree,naive_bayes_calibrated", "--workers", "0",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "curves.json" in proc.stdout
    curves = curves_from_dict(loads((tmp_path / "curves.json").read_text(encoding="utf-8")))
    assert f"Would more data help? {curves.sentence}" in proc.stdout
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<h2>Would more data help?</h2>" in page
    assert html.escape(curves.sentence, quote=True) in page
    assert "<h2>Can you trust the probabilities?</h2>" in page
    document = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    variant = next(m for m in document["models"] if m["name"] == "naive_bayes_calibrated")
    assert variant["status"] == "ok"
    assert variant["label"] == "Naive Bayes, calibrated"


def test_the_cost_the_decision_is_judged_on_is_a_choice(tmp_path):
    models = ["--models", "decision_tree,xgboost_small", "--workers", "0"]
    proc = _cli(
        "run", "sample:german_credit", "--out", str(tmp_path), "--cost", "size_bytes",
        "--tolerance", "3", "--min-saving", "10", *models,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    document = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    rec = document["recommendation"]
    assert (rec["cost"], rec["tolerance"], rec["materiality"]) == ("size_bytes", 3.0, 0.1)
    assert rec["sentence"].startswith("Judged on model size: ") or rec["industry"] is None
    assert rec["sentence"] in proc.stdout
    bad = _cli("run", "sample:german_credit", "--cost", "speed", *FAST)
    assert bad.returncode == 2
    assert "invalid choice: 'speed'" in bad.stderr


def test_the_runtime_the_decision_serves_from_is_a_choice(tmp_path, capsys):
    """``--runtime`` fixes the runtime the decision serves each model from, as the app's
    "Served from" does; the terminal leaderboard shows both runtimes' p50."""
    base = ["run", "sample:german_credit", "--models", "decision_tree,xgboost_small", *FAST[2:]]
    runtimes = {}
    for mode in ("best", "sklearn", "onnx"):
        out = tmp_path / mode
        assert main([*base, "--out", str(out), "--runtime", mode, "--quiet"]) == 0
        printed = capsys.readouterr().out
        rec = json.loads((out / "results.json").read_text(encoding="utf-8"))["recommendation"]
        assert rec["runtime_mode"] == mode
        assert rec["sentence"] in printed
        assert "ONNX p50 ms" in printed.splitlines()[0]
        runtimes[mode] = rec["runtimes"]
        if mode == "sklearn":
            assert "ONNX" not in rec["sentence"]
    assert set(runtimes["sklearn"].values()) == {"sklearn"}
    # Served from ONNX Runtime: every model that compiled (all but the dummy baseline).
    assert runtimes["onnx"] == {name: "sklearn" if name == "dummy" else "onnx" for name in
                                runtimes["sklearn"]}  # fmt: skip
    assert set(runtimes["best"]) == set(runtimes["sklearn"])
    with pytest.raises(SystemExit) as stop:
        main([*base, "--out", str(tmp_path / "bad"), "--runtime", "tensorrt"])
    assert stop.value.code == 2
    assert "invalid choice: 'tensorrt'" in capsys.readouterr().err


def test_no_compile_serves_from_scikit_learn_and_says_why(tmp_path, capsys):
    args = ["run", "sample:penguins", "--out", str(tmp_path), "--no-compile", "--quiet", *FAST]
    assert main(args) == 0
    printed = capsys.readouterr().out
    document = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert document["config"]["compile_onnx"] is False
    for m in document["models"]:
        onnx = m["runtimes"]["onnx"]
        assert onnx["available"] is False
        assert (
            onnx["problem"] == "Not compiled: the study was run with compiling to ONNX turned off."
        )
    assert not list(tmp_path.glob("models/*.onnx"))
    assert set(document["recommendation"]["runtimes"].values()) == {"sklearn"}
    board = list(itertools.takewhile(lambda line: line and ":" not in line, printed.splitlines()))
    column = board[0].index("ONNX p50 ms")
    assert all(line[column] == "-" for line in board[1:])  # not compiled, in every row


def test_progress_is_one_line_per_model_and_samples_are_named(tmp_path, capsys, monkeypatch):
    """Off a terminal, one line per model as it finishes; notes such as a training sample are
    said on the terminal too."""
    from dataclasses import replace

    from core import candidates as cand

    sampled = replace(cand.get_candidate("decision_tree"), max_train_rows=100)
    monkeypatch.setitem(cand._BY_NAME, "decision_tree", sampled)
    code = main(["run", "sample:german_credit", "--out", str(tmp_path), *FAST])
    assert code == 0
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.startswith("[")]
    assert len(lines) == 3, err  # dummy, simple, decision tree
    assert all(re.fullmatch(r"\[ ?\d/3\] .+: done in \d+\.\d s", line) for line in lines), lines
    assert "\r" not in err
    assert "note: Decision tree (shallow): Trained on a random sample of 100 of 800 rows" in out


def test_on_a_terminal_progress_updates_one_status_line():
    import io

    from core.__main__ import _Progress
    from core.study import ProgressEvent

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    progress = _Progress(screen)
    for elapsed in (1.0, 2.0, 3.0):
        progress(ProgressEvent("tree", "Decision tree", "training", elapsed, 0, 2))
    progress(ProgressEvent("tree", "Decision tree", "done", 3.2, 1, 2))
    progress(ProgressEvent("knn", "k-NN", "training", 1.0, 1, 2))
    progress(ProgressEvent("knn", "k-NN", "done", 1.5, 2, 2))
    text = screen.getvalue()
    finished = [line.strip("\r ") for line in text.split("\n") if "done" in line]
    assert [f.split("\r")[-1] for f in finished] == [
        "[ 1/2] Decision tree: done in 3.2 s",
        "[ 2/2] k-NN: done in 1.5 s",
    ]
    assert text.count("\n") == 2  # the status line is rewritten in place, never a new line
    assert "training Decision tree 3 s" in text


def test_store_rebuild_and_list(tmp_path, capsys):
    from core.data import load_path
    from core.samples import get_sample
    from core.store import StudyStore
    from core.study import StudyConfig, run_study

    sample = get_sample("penguins")
    study = run_study(
        load_path(sample.path, sample.target),
        StudyConfig(models=("decision_tree",), n_workers=0, n_resamples=200),
    )
    root = tmp_path / "store"
    study_id = StudyStore(root).save(study)
    (root / "studies.sqlite").unlink()
    assert main(["store", "rebuild", "--dir", str(root)]) == 0
    out = capsys.readouterr().out
    assert f"Rebuilt the index of {root} from its study folders: 1 study listed." in out
    assert main(["store", "list", "--dir", str(root)]) == 0
    assert study_id in capsys.readouterr().out


def test_yes_no_reads_a_target_written_several_ways_and_warnings_say_how_to_keep_a_column(
    tmp_path,
):
    answers = ["N", "No", "YES", "Yes", "no", "y", "yes"]
    rows = ["customer_id,tenure,churned"] + [
        f"C{i:04d},{(i * 7) % 60 + 1},{answers[i % 7]}" for i in range(140)
    ]
    table = tmp_path / "churn.csv"
    table.write_text("\n".join(rows) + "\n", encoding="utf-8")
    proc = _cli(
        "run", str(table), "--target", "churned", "--yes-no", "--out", str(tmp_path / "out"),
        *FAST,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    document = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert document["dataset"]["task"] == "binary"
    assert "they are read as yes ('YES', 'Yes', 'y', 'yes') and no" in proc.stderr
    assert "(--include 'customer_id' keeps it)" in proc.stderr


def test_time_split_holds_out_the_latest_rows(tmp_path):
    out = tmp_path / "out"
    proc = _cli("run", "sample:german_credit", "--time-split", "--out", str(out), *FAST)
    assert proc.returncode == 0, proc.stderr
    document = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert document["config"]["validation"] == "time"
    assert document["config"]["test_size"] == 0.2


# --- a Dask cluster ------------------------------------------------------------------------------


@pytest.mark.parametrize("address", ["10.0.0.5:8786", "http://10.0.0.5:8786", "tcp://host"])
def test_a_mistyped_cluster_address_is_one_line_before_the_table_is_read(address, tmp_path):
    proc = _cli("run", "missing.csv", "--target", "y", "--cluster", address)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: --cluster takes 'local' or a Dask scheduler's address")
    assert "Traceback" not in proc.stderr


def test_the_variable_names_the_cluster_and_a_bad_one_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("TRADEOFF_DASK_SCHEDULER", "my-cluster")
    proc = _cli("run", "sample:penguins", "--out", str(tmp_path), *FAST)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: The TRADEOFF_DASK_SCHEDULER variable takes 'local'")


@pytest.mark.slow
def test_a_study_on_a_local_cluster_says_where_it_trained(tmp_path):
    proc = _cli(
        "run", "sample:penguins", "--out", str(tmp_path), "--models", "decision_tree",
        "--cluster", "local", "--workers", "2", "--quiet",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Trained on a Dask cluster (started on this machine) by 2 worker processes" in (
        proc.stdout
    )
    assert "measured on the machine that ran the study" in proc.stdout
    doc = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert doc["compute"]["training"]["executor"] == "dask"
    assert doc["compute"]["training"]["workers"] == 2
    assert doc["compute"]["serving"]["cores"] >= 1
    assert all(m["status"] == "ok" for m in doc["models"])
