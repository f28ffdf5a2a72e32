"""Fairness checks: group labels, per-group rates worked out by hand, gaps and error messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core import fairness as fair
from core.dataset import ColumnProfile
from core.errors import ConfigError
from core.stats import Predictions
from core.study import ModelResult, StudyConfig, StudyResult
from core.tables import gaps_summary
from tests.unit.conftest import make_dataset

# --- helpers -------------------------------------------------------------------------------------


def _study(
    X: pd.DataFrame,
    y: np.ndarray,
    y_pred: np.ndarray,
    *,
    task: str = "binary",
    primary: str = "accuracy",
    proba: np.ndarray | None = None,
    eval_index: np.ndarray | None = None,
) -> StudyResult:
    """A study of one model, built by hand; predictions are aligned with ``eval_index``."""
    classes = ("no", "yes") if task == "binary" else ()
    ds = make_dataset(X, y, task, classes)  # type: ignore[arg-type]
    eval_index = np.arange(len(X)) if eval_index is None else eval_index
    model = ModelResult(
        name="m",
        label="Model M",
        family="test",
        rung=1,
        interpretable=True,
        neural=False,
        description="",
        predictions=Predictions(y_pred, proba),
    )
    return StudyResult(
        dataset=ds,
        config=StudyConfig(n_resamples=50, seed=3),
        primary_metric=primary,
        models=[model],
        eval_index=eval_index,
        eval_fold=np.zeros(len(eval_index), dtype=np.int64),
        duration_s=0.0,
        created_at="",
    )


def _two_groups(repeat: int) -> tuple[StudyResult, pd.Series]:
    """Group a: true 1,1,0,0 / predicted 1,0,1,0. Group b: true 1,1,1,0 / predicted 1,1,1,1.
    Each pattern repeated ``repeat`` times (rates do not change)."""
    y_a, p_a = [1, 1, 0, 0] * repeat, [1, 0, 1, 0] * repeat
    y_b, p_b = [1, 1, 1, 0] * repeat, [1, 1, 1, 1] * repeat
    y = np.array(y_a + y_b, dtype=np.int64)
    pred = np.array(p_a + p_b, dtype=np.int64)
    sex = ["a"] * len(y_a) + ["b"] * len(y_b)
    X = pd.DataFrame({"x": np.arange(len(y), dtype=float), "sex": sex})
    study = _study(X, y, pred)
    return study, fair.groups_for(study, "sex")


# --- suggestions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["sex", "Gender", "race", "Ethnicity", "age", "AGE", "age_years", "AgeGroup", "religion",
     "nationality", "marital_status", "MaritalStatus", "disability", "native-country",
     "date_of_birth",
     # Another way to write race, a group written as a flag, plurals (a churn table's columns).
     "colour", "skin_color", "female", "SeniorCitizen", "senior_citizen", "is_foreign",
     "genders", "Races", "ethnicities", "immigrant_status", "veteran"],
)  # fmt: skip
def test_suggest_sensitive_finds_people_columns(name: str) -> None:
    assert fair.suggest_sensitive([name]) == [name]


@pytest.mark.parametrize(
    "name",
    ["page", "usage", "stage", "average", "language", "message", "income", "country",
     "manager", "maleficent_score", "seniority", "mandate", "womenswear_share"],
)  # fmt: skip
def test_suggest_sensitive_ignores_substrings(name: str) -> None:
    assert fair.suggest_sensitive([name]) == []


def _profile(name: str, values: list[str]) -> ColumnProfile:
    return ColumnProfile(name, "categorical", "object", 0.0, len(set(values)), tuple(values[:3]))


def test_columns_whose_values_name_groups_of_people_are_suggested_whatever_their_name() -> None:
    profiles = [
        _profile("X3", ["Female", "Male"]),  # a two-level flag named like nothing
        _profile("segment", ["White", "Black", "Asian"]),
        _profile("status", ["married", "divorced"]),
        _profile("paint", ["white", "red", "silver"]),  # not all are groups of people
        _profile("plan", ["Single", "Family", "Business"]),
        _profile("answer", ["yes", "no"]),
        _profile("one_value", ["female"]),
    ]
    names = [p.name for p in profiles]
    assert fair.suggest_sensitive(names, profiles) == ["X3", "segment", "status"]
    assert fair.suggest_sensitive(names) == []  # by name alone, none of them
    many = ColumnProfile("cohort", "categorical", "object", 0.0, 40, ("male", "female", "women"))
    assert fair.suggest_sensitive(["cohort"], [many]) == []  # 40 values: not a group column


def test_suggest_sensitive_keeps_order() -> None:
    assert fair.suggest_sensitive(["income", "Sex", "page", "age"]) == ["Sex", "age"]


# --- group labels --------------------------------------------------------------------------------


def test_age_bands_edges_and_labels() -> None:
    ages = pd.Series([18, 24, 25, 34, 35, 44, 45, 54, 55, 64, 65, 90, None], name="age")
    labels = fair.group_labels(ages)
    assert list(labels.astype(str)) == [
        "under 25", "under 25", "25–34", "25–34", "35–44", "35–44", "45–54", "45–54",
        "55–64", "55–64", "65 and over", "65 and over", "missing",
    ]  # fmt: skip
    assert list(labels.cat.categories) == [
        "under 25",
        "25–34",
        "35–44",
        "45–54",
        "55–64",
        "65 and over",
        "missing",
    ]


def test_quantile_bins_have_readable_edges() -> None:
    # 0, 123.4, ..., 12216.6: quartile edges 3054.9, 6108.3, 9161.7 round to 3,100/6,100/9,200.
    income = pd.Series(np.arange(100) * 123.4, name="income")
    labels = fair.group_labels(income)
    assert list(labels.cat.categories) == [
        "under 3,100", "3,100–6,100", "6,100–9,200", "9,200 and over"
    ]  # fmt: skip
    assert labels.iloc[0] == "under 3,100"
    assert labels.iloc[25] == "under 3,100"  # 3085 < 3100
    assert labels.iloc[26] == "3,100–6,100"  # 3208.4
    assert labels.iloc[99] == "9,200 and over"


def test_few_numbers_and_categories_stay_as_they_are() -> None:
    assert list(fair.group_labels(pd.Series([1.0, 2.0, 1.0, np.nan])).astype(str)) == [
        "1", "2", "1", "missing"
    ]  # fmt: skip
    labels = fair.group_labels(pd.Series(["f", "m", None, "m"]))
    assert list(labels.astype(str)) == ["f", "m", "missing", "m"]
    assert list(labels.cat.categories) == ["m", "f", "missing"]  # largest first, missing last


def test_numbers_read_as_text_are_binned() -> None:
    ages = pd.Series([str(a) for a in range(20, 70)], name="Age")
    assert fair.group_labels(ages).iloc[0] == "under 25"


def test_group_labels_rejects_one_bin() -> None:
    with pytest.raises(ConfigError, match="at least 2 bins to compare groups; got 1"):
        fair.group_labels(pd.Series(np.arange(50.0)), bins=1)


# --- where groups come from ----------------------------------------------------------------------


def test_groups_from_training_column_under_safe_name() -> None:
    X = pd.DataFrame({"x": [0.0, 1.0, 2.0], "sex_safe": ["f", "m", "f"]})
    study = _study(X, np.array([0, 1, 0]), np.array([1, 0]), eval_index=np.array([2, 1]))
    study.dataset.feature_origin["sex_safe"] = "sex[code]"
    assert fair.used_in_training(study.dataset, "sex[code]")
    assert not fair.used_in_training(study.dataset, "sex_safe")
    assert list(fair.groups_for(study, "sex[code]").astype(str)) == ["f", "m"]


def test_left_out_column_is_read_from_the_raw_table() -> None:
    X = pd.DataFrame({"x": [0.0, 1.0, 2.0]})
    study = _study(X, np.array([0, 1, 0]), np.array([1, 0]), eval_index=np.array([2, 0]))
    # The dataset kept uploaded rows 5, 3 and 1 (others dropped); held out: dataset rows 2, 0,
    # i.e. uploaded rows 1 and 5.
    study.dataset.row_ids = np.array([5, 3, 1])
    table = pd.DataFrame({"sex": ["r0", "r1", "r2", "r3", "r4", "r5"], "target": [0] * 6})
    assert not fair.used_in_training(study.dataset, "sex")
    assert list(fair.groups_for(study, "sex", table).astype(str)) == ["r1", "r5"]


def test_unknown_column_without_table_says_what_to_do() -> None:
    X = pd.DataFrame({"x": [0.0, 1.0]})
    study = _study(X, np.array([0, 1]), np.array([0, 1]))
    with pytest.raises(ConfigError, match=r"'sex' is not among the columns.*Choose one of: 'x'"):
        fair.groups_for(study, "sex")


def test_column_in_neither_place() -> None:
    X = pd.DataFrame({"x": [0.0, 1.0]})
    study = _study(X, np.array([0, 1]), np.array([0, 1]))
    table = pd.DataFrame({"x": [0.0, 1.0], "age": [30, 40], "target": [0, 1]})
    with pytest.raises(ConfigError, match=r"'sex' is neither.*Choose one of: 'x', 'age'\.$"):
        fair.groups_for(study, "sex", table)


def test_wrong_table_is_refused() -> None:
    X = pd.DataFrame({"x": [0.0, 1.0]})
    study = _study(X, np.array([0, 1]), np.array([0, 1]))
    with pytest.raises(ConfigError, match="has 1 rows but the study used row 2"):
        fair.groups_for(study, "sex", pd.DataFrame({"sex": ["f"]}))


def test_groups_of_the_wrong_length_are_refused() -> None:
    study, _ = _two_groups(1)
    with pytest.raises(ConfigError, match="Got 3 group labels for 8 held-out rows"):
        fair.group_metrics(study, pd.Series(["a", "b", "a"]))


# --- per-group rates, by hand --------------------------------------------------------------------


def test_binary_rates_by_hand() -> None:
    study, groups = _two_groups(1)
    rows = {g.group: g for g in fair.group_metrics(study, groups)}
    a, b = rows["a"], rows["b"]
    # a: predicted positive 2 of 4 -> 0.5; positives (2) caught 1 -> TPR 0.5;
    #    negatives (2) flagged 1 -> FPR 0.5; correct 2 of 4 -> accuracy 0.5.
    assert (a.n_rows, a.selection_rate, a.tpr, a.fpr, a.metric_value) == (4, 0.5, 0.5, 0.5, 0.5)
    # b: predicted positive 4 of 4 -> 1.0; positives (3) caught 3 -> TPR 1.0;
    #    negatives (1) flagged 1 -> FPR 1.0; correct 3 of 4 -> accuracy 0.75.
    assert (b.n_rows, b.selection_rate, b.tpr, b.fpr, b.metric_value) == (4, 1.0, 1.0, 1.0, 0.75)
    assert a.mae is None
    assert a.small
    assert a.note == fair.SMALL_NOTE


def test_intervals_are_seeded_and_cover_the_value() -> None:
    study, groups = _two_groups(10)
    first = fair.group_metrics(study, groups)
    again = fair.group_metrics(study, groups)
    other = fair.group_metrics(study, groups, seed=99)
    assert [(g.metric_ci_low, g.metric_ci_high) for g in first] == [
        (g.metric_ci_low, g.metric_ci_high) for g in again
    ]
    assert [g.metric_ci_low for g in first] != [g.metric_ci_low for g in other]
    for g in first:
        assert g.metric_ci_low is not None
        assert g.metric_ci_high is not None
        assert g.metric_ci_low <= (g.metric_value or 0) <= g.metric_ci_high
        assert not g.small
        assert g.note == ""


def test_degenerate_groups_give_none_without_warnings() -> None:
    # Group "one": a single negative row predicted negative -> selection 0, FPR 0, TPR undefined.
    # Group "neg": three negatives, one predicted positive -> selection 1/3, FPR 1/3, TPR None.
    y = np.array([0, 0, 0, 0])
    pred = np.array([0, 1, 0, 0])
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.7, 0.3], [0.6, 0.4]])
    X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "g": ["one", "neg", "neg", "neg"]})
    study = _study(X, y, pred, primary="roc_auc", proba=proba)
    rows = {g.group: g for g in fair.group_metrics(study, fair.groups_for(study, "g"))}
    one, neg = rows["one"], rows["neg"]
    assert (one.n_rows, one.selection_rate, one.tpr, one.fpr) == (1, 0.0, None, 0.0)
    assert (one.metric_value, one.metric_ci_low, one.metric_ci_high) == (None, None, None)
    assert neg.selection_rate == pytest.approx(1 / 3)
    assert neg.fpr == pytest.approx(1 / 3)
    assert neg.tpr is None
    assert neg.metric_value is None  # AUC needs both classes
    assert neg.metric_ci_low is None
    assert one.small
    assert neg.small


def test_regression_mae_by_hand_and_one_row_r2() -> None:
    y = np.array([10.0, 12.0, 20.0, 5.0])
    pred = np.array([11.0, 10.0, 20.0, 8.0])
    X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "g": ["a", "a", "a", "b"]})
    study = _study(X, y, pred, task="regression", primary="r2")
    rows = {g.group: g for g in fair.group_metrics(study, fair.groups_for(study, "g"))}
    # a: errors 1, 2, 0 -> MAE 1.0; b: error 3 -> MAE 3.0.
    assert rows["a"].mae == pytest.approx(1.0)
    assert rows["b"].mae == pytest.approx(3.0)
    # a: ss_res = 1 + 4 + 0 = 5; mean 14, ss_tot = 16 + 4 + 36 = 56 -> R² = 1 - 5/56.
    assert rows["a"].metric_value == pytest.approx(1 - 5 / 56)
    assert rows["b"].metric_value is None  # R² of one row is undefined
    assert rows["a"].selection_rate is None
    assert rows["a"].tpr is None


# --- tables and gaps -----------------------------------------------------------------------------


def test_fairness_table_columns_carry_units() -> None:
    study, groups = _two_groups(10)
    table = fair.fairness_table(study, groups)
    assert list(table.columns) == [
        "model", "group", "rows (count)", "Accuracy (%)", "95% CI low (%)", "95% CI high (%)",
        "selection rate (%)", "true positive rate (%)", "false positive rate (%)",
        "too few rows", "note",
    ]  # fmt: skip
    assert table["Accuracy (%)"].tolist() == [50.0, 75.0]
    assert table["selection rate (%)"].tolist() == [50.0, 100.0]
    assert table["rows (count)"].tolist() == [40, 40]
    assert not table["too few rows"].any()


def test_model_gaps_and_four_fifths_ratio() -> None:
    study, groups = _two_groups(10)  # 40 rows per group: both compared
    (gap,) = fair.gaps(study, groups)
    assert gap.metric_gap == pytest.approx(0.25)  # 0.75 - 0.5
    assert (gap.best_group, gap.worst_group) == ("b", "a")
    assert gap.selection_rate_gap == pytest.approx(0.5)  # 1.0 - 0.5
    assert gap.selection_rate_ratio == pytest.approx(0.5)  # 0.5 / 1.0
    assert (gap.lowest_selection_group, gap.highest_selection_group) == ("a", "b")
    frame = fair.model_gaps(study, groups)
    assert frame.loc[0, "Accuracy gap (points)"] == pytest.approx(25.0)
    assert frame.loc[0, "selection rate gap (points)"] == pytest.approx(50.0)
    assert frame.loc[0, "selection rate ratio (lowest / highest)"] == pytest.approx(0.5)
    sentence = fair.gap_sentence(gap, column="sex")
    assert "accuracy is 25.0 points worse for sex 'a' than for 'b'" in sentence
    assert "50.0 points fewer rows of 'a' than of 'b' (ratio 0.50; below 0.8" in sentence


def test_gaps_summary_puts_each_gap_with_its_interval_and_groups_in_one_cell() -> None:
    study, _ = _two_groups(10)
    report = fair.fairness_report(study, ["sex"])
    (row,) = gaps_summary(report, "binary").to_dict("records")
    gap = report.gap(report.gaps[0].model)
    low, high = (
        f"{100 * v:.1f}".replace("-", "−") for v in (gap.metric_gap_ci_low, gap.metric_gap_ci_high)
    )
    assert row == {
        "model": "Model M",
        "Accuracy gap, points (95% CI)": f"25.0 ({low} to {high})",
        "larger than chance?": "yes" if gap.gap_is_clear else "no",
        "worst / best group": "a / b",
        "selection rate gap, points": "50.0",
        "selection rate ratio (lowest / highest)": "0.50",
        "selected least / most": "a / b",
        "groups compared": "2",
    }


def test_small_groups_are_left_out_of_gaps() -> None:
    study, groups = _two_groups(1)  # 4 rows per group: both too small
    (gap,) = fair.gaps(study, groups)
    assert gap.n_groups_compared == 0
    assert gap.metric_gap is None
    assert gap.selection_rate_ratio is None
    assert "cannot be compared" in fair.gap_sentence(gap, column="sex")


def test_real_study_one_row_per_model_and_group(small_binary_study: StudyResult) -> None:
    groups = fair.groups_for(small_binary_study, "colour")
    rows = fair.group_metrics(small_binary_study, groups, n_resamples=50)
    models = [m.name for m in small_binary_study.ok_models]
    assert [g.model for g in rows] == [m for m in models for _ in ("red", "blue")]
    per_model = sum(g.n_rows for g in rows) / len(models)
    assert per_model == len(small_binary_study.eval_index)
    assert len(fair.model_gaps(small_binary_study, groups, rows=rows)) == len(models)


# --- many categories, combined columns, refused columns ------------------------------------------


def test_rare_categories_are_measured_together() -> None:
    # 15 categories: c00 has 15 rows, c01 14, ... c14 1 row; plus 2 missing values.
    values = [f"c{i:02d}" for i in range(15) for _ in range(15 - i)] + [None, None]
    labels = fair.group_labels(pd.Series(values, name="region"))
    kept = [f"c{i:02d}" for i in range(fair.MAX_GROUPS - 1)]
    assert list(labels.cat.categories) == [*kept, fair.OTHER_LABEL, fair.MISSING_LABEL]
    # c11 .. c14 (4 + 3 + 2 + 1 rows) are one group.
    assert (labels == fair.OTHER_LABEL).sum() == 10


def test_combined_groups_cross_the_labels() -> None:
    sex = pd.Series(["f", "m", "f", "f"], name="sex")
    band = pd.Series(["young", "old", "old", "old"], name="age")
    combined = fair.combine_groups([sex, band])
    assert combined.name == "sex × age"
    assert list(combined.astype(str)) == ["f · young", "m · old", "f · old", "f · old"]
    assert list(combined.cat.categories) == ["f · old", "f · young", "m · old"]
    assert fair.combine_groups([sex]) is sex
    with pytest.raises(ConfigError, match="Choose at least one column"):
        fair.combine_groups([])


def test_personal_data_identifiers_and_the_target_cannot_form_groups() -> None:
    X = pd.DataFrame({"x": [0.0, 1.0]})
    study = _study(X, np.array([0, 1]), np.array([0, 1]))
    study.dataset.excluded.update({"email": "personal_data", "customer_id": "id_column"})
    table = pd.DataFrame({"x": [0.0, 1.0], "email": ["a@b.c", "d@e.f"], "customer_id": [1, 2]})
    with pytest.raises(ConfigError, match="'email' was left out as personal data: its values"):
        fair.groups_for(study, "email", table)
    with pytest.raises(ConfigError, match="'customer_id' was left out as an identifier"):
        fair.groups_for(study, "customer_id", table)
    with pytest.raises(ConfigError, match="'target' is what the models predict"):
        fair.groups_for(study, "target", table)


def test_column_choices_say_what_can_be_measured() -> None:
    X = pd.DataFrame({"x": [0.0, 1.0], "sex": ["f", "m"]})
    study = _study(X, np.array([0, 1]), np.array([0, 1]))
    ds = study.dataset
    names = ["target", "x", "sex", "age", "email"]
    ds.profiles = tuple(ColumnProfile(n, "numeric", "float", 0.0, 2, ()) for n in names)
    ds.excluded.update({"age": "user_excluded", "email": "personal_data"})
    without = {c.column: c for c in fair.column_choices(study)}
    assert list(without) == ["x", "sex", "age", "email"]  # the target is not a choice
    assert without["sex"].available
    assert without["sex"].used_in_training
    assert without["sex"].sensitive
    assert not without["x"].sensitive
    assert not without["age"].available
    assert "open it on the Data page" in without["age"].reason
    assert "personal data" in without["email"].reason
    table = pd.DataFrame({n: [0, 1] for n in names})
    with_table = {c.column: c for c in fair.column_choices(study, table)}
    assert with_table["age"].available
    assert not with_table["age"].used_in_training
    assert not with_table["email"].available  # never, even with the table


def test_fairness_report_of_two_columns_left_out_or_not() -> None:
    study, _ = _two_groups(10)
    table = pd.DataFrame({"band": ["young", "old"] * 40})
    report = fair.fairness_report(study, ["sex", "band"], table)
    assert report.name == "sex × band"
    assert report.used_in_training == {"sex": True, "band": False}
    assert report.training_sentence == (
        "'sex' was used in training; 'band' was left out of training: it is read from the "
        "table only to measure the groups."
    )
    assert report.sizes.to_dict() == {
        "a · old": 20,
        "a · young": 20,
        "b · old": 20,
        "b · young": 20,
    }
    assert report.small_groups == ["a · old", "a · young", "b · old", "b · young"]  # 20 < 30
    assert report.gap("m").n_groups_compared == 0
    assert [r.group for r in report.rows_of("m")] == list(report.sizes.index)
    assert len(report.table) == 4
    assert list(report.gap_table["model"]) == ["Model M"]
    with pytest.raises(ConfigError, match="Choose at least one column"):
        fair.fairness_report(study, [])
