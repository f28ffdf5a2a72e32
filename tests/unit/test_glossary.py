"""The glossary: one entry for every word the app and the report use, in plain text."""

from __future__ import annotations

import pytest

from core.errors import ConfigError
from core.glossary import TERMS, report_terms, result_terms, terms
from core.stats import primary_choices


def test_every_metric_a_study_can_rank_by_has_an_entry():
    for task in ("binary", "multiclass", "regression"):
        for metric in primary_choices(task):
            shown = {t.key for t in terms(result_terms(metric))}  # raises on an unknown key
            assert metric in shown
            assert ("rmse" in shown) == (metric in ("r2", "rmse"))  # R² in the target's unit


def test_entries_are_unique_plain_sentences():
    keys = [t.key for t in TERMS]
    assert len(keys) == len(set(keys))
    for t in TERMS:
        assert t.meaning.endswith("."), t.key
        assert not any(mark in t.meaning for mark in ("**", "`", "[", "<", "e+", "e-0")), t.key


def test_an_unknown_word_is_a_bug_not_a_silent_gap():
    with pytest.raises(ConfigError, match="No glossary entry"):
        terms(["accuracy", "flux capacitor"])


def test_the_report_lists_the_words_of_its_own_sections():
    bare = {t.key for t in report_terms("r2", explanation=False, business=False, fairness=False)}
    assert {"r2", "rmse", "mae", "p50", "interval", "skops"} <= bare
    assert not {"shap", "net_value", "four_fifths"} & bare
    full = {t.key for t in report_terms("accuracy", explanation=True, business=True, fairness=True)}
    assert {"accuracy", "shap", "net_value", "break_even", "four_fifths"} <= full
    assert "rmse" not in full
