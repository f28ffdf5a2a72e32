"""The app as a person uses it, in a real headless Chromium: train on the bundled sample, explore
the trade-offs, reload, and reopen the saved study. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from core.data import BIG_TABLE_COMMAND
from core.figures import ONNX_NAME, OTHER_RUNTIME_NAME
from tests.e2e.conftest import PROJECTOR, screenshot

pytestmark = pytest.mark.e2e

TRAIN_TIMEOUT_MS = 240_000


def _wait_idle(page) -> None:  # type: ignore[no-untyped-def]
    """Until Streamlit has finished the current run: the app says its script is not running
    (the state the frontend sets as soon as a widget asks for a rerun, so a rerun that has not
    begun on a busy machine is waited for too) and its status widget is gone."""
    page.wait_for_timeout(300)
    page.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for(
        timeout=TRAIN_TIMEOUT_MS
    )
    page.get_by_test_id("stStatusWidget").wait_for(state="detached", timeout=TRAIN_TIMEOUT_MS)
    page.wait_for_timeout(500)


def _nav(page, title: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    _wait_idle(page)


def _body(page) -> str:  # type: ignore[no-untyped-def]
    text = page.locator("body").inner_text()
    assert "Traceback" not in text
    assert "Sorry, something went wrong" not in text
    return text


def _x_title(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator(".js-plotly-plot .xtitle").first.text_content() or ""


def _star_on_frontier(page) -> None:  # type: ignore[no-untyped-def]
    """The decision's star, as the browser drew it, sits on the chart's Pareto frontier."""
    traces = page.evaluate(
        "() => document.querySelector('.js-plotly-plot').data"
        ".map(t => ({name: t.name, x: t.x, y: t.y}))"
    )
    (star,) = [t for t in traces if t["name"] == "The decision: the model to serve"]
    (front,) = [t for t in traces if t["name"].startswith("Pareto frontier")]
    points = list(zip(front["x"], front["y"], strict=True))
    assert any(
        abs(x - star["x"][0]) <= 1e-9 * max(1.0, abs(x)) and abs(y - star["y"][0]) < 1e-9
        for x, y in points
    ), (star, points)


def test_train_explore_reload_and_reopen(page, browser, app_url):
    # First open: the sample is loaded with its target; one button trains.
    page.get_by_text("german_credit.csv").first.wait_for(timeout=60_000)
    _wait_idle(page)
    screenshot(page, "1-start")
    assert "Is the extra accuracy worth its cost?" in _body(page)
    page.get_by_role("button", name="Train the default models on this data").click()
    # Live progress, redrawn every second: the bar counts trained, then measured models, and the
    # table fills in as they finish.
    page.get_by_test_id("stMain").get_by_text(
        re.compile(r"\d+ of \d+ models trained|serving cost measured for \d+ of \d+")
    ).wait_for(timeout=TRAIN_TIMEOUT_MS)
    page.get_by_test_id("stMain").get_by_test_id("stTable").first.wait_for(timeout=30_000)
    screenshot(page, "2-training")
    page.get_by_text("Latest results").wait_for(timeout=TRAIN_TIMEOUT_MS)
    _wait_idle(page)
    screenshot(page, "3-train-done")
    body = _body(page)
    assert "Decision:" in body
    assert "Latest results" in body
    # The leaderboard reads as a table that fits; every figure sorts in a grid one click away.
    main = page.get_by_test_id("stMain")
    assert main.get_by_test_id("stTable").count() == 1
    main.get_by_text("Every figure measured, in a table you can sort").click()
    main.get_by_test_id("stDataFrame").first.wait_for(timeout=30_000)
    screenshot(page, "3-train-every-figure", wide_ok=True)  # a sortable grid scrolls sideways

    # Trade-offs: chart with units, the recommendation sentence, the leaderboard.
    _nav(page, "Trade-offs")
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    screenshot(page, "4-tradeoffs-latency")
    # On a 1280×720 projector the pick and the whole plot (points, labels, star) are on the
    # first screen.
    page.set_viewport_size(PROJECTOR)
    page.wait_for_timeout(800)
    pick = page.get_by_test_id("stAlert").first.bounding_box()
    plot = page.locator(".js-plotly-plot .nsewdrag").first.bounding_box()
    assert pick is not None
    assert plot is not None
    assert pick["y"] < plot["y"]
    assert plot["y"] + plot["height"] <= PROJECTOR["height"], plot
    page.set_viewport_size({"width": 1400, "height": 1000})
    body = _body(page)
    assert "Industry pick:" in body
    assert "p50 latency per row (ms)" in _x_title(page)
    assert "Leaderboard" in body

    _star_on_frontier(page)
    # Switch the cost: the pick is made again for it, the chart re-renders, nothing retrains.
    page.get_by_role("combobox", name="Cost to decide on").click()
    page.get_by_role("option", name="model size (MB)").click()
    _wait_idle(page)
    assert "model size (MB)" in _x_title(page)
    assert "Judged on model size" in _body(page)
    _star_on_frontier(page)
    screenshot(page, "5-tradeoffs-size")
    # Online serving: one request at a time, priced from single-row latency, said in words.
    page.get_by_role("combobox", name="Cost to decide on").click()
    page.get_by_role("option", name="online serving cost ($ per million predictions)").click()
    _wait_idle(page)
    assert "online serving cost" in _x_title(page)
    assert "served one request at a time on one vCPU" in _body(page)
    _star_on_frontier(page)
    screenshot(page, "5-tradeoffs-online")

    # Explain: SHAP of the recommended model on the original columns, in plain words.
    _nav(page, "Explain")
    page.locator(".js-plotly-plot").first.wait_for(timeout=120_000)
    _wait_idle(page)
    screenshot(page, "6-explain")
    body = _body(page)
    assert "held-out rows" in body
    assert "Contributions are in" in body
    page.get_by_role("tab", name="One row").click()
    page.wait_for_timeout(800)
    screenshot(page, "6-explain-row")
    page.get_by_role("tab", name="Compare two models").click()
    page.wait_for_timeout(800)
    assert "rank correlation" in _body(page)
    screenshot(page, "6-explain-compare")

    # Business case: no money verdict until the user says what errors cost; then money per
    # month for every model, the threshold, the price of the last point and the neural
    # verdict, in words; the numbers follow the user's volume at once.
    _nav(page, "Business case")
    page.get_by_text("Enter what a right answer is worth").first.wait_for(timeout=60_000)
    _wait_idle(page)
    screenshot(page, "9-business-before-numbers")
    assert "The decision:" in _body(page)
    for name, amount in (
        ("Value of a caught 'bad' ($)", "0"),
        ("Cost of a false alarm: 'good' called 'bad' ($)", "1"),
        ("Cost of a missed 'bad': called 'good' ($)", "5"),
    ):
        box = page.get_by_role("spinbutton", name=name)
        box.fill(amount)
        box.press("Enter")
        _wait_idle(page)
    page.get_by_role("heading", name="Net value per month").wait_for(timeout=60_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    _wait_idle(page)
    screenshot(page, "9-business")
    body = _body(page)
    assert "Based on your business numbers, at 1M predictions a month" in body
    assert "The price of the last point" in body
    assert "The neural network (Neural network (small)" in body
    assert "serving cost ($ per month" in _x_title(page)
    volume = page.get_by_role("spinbutton", name="Predictions per month")
    volume.fill("5000")
    volume.press("Enter")
    page.get_by_text("at 5k predictions a month").first.wait_for(timeout=30_000)
    _wait_idle(page)

    # Fairness: sex and age are suggested; each one and their combination has its tab.
    _nav(page, "Fairness")
    page.get_by_text("'sex' was used in training.").first.wait_for(timeout=60_000)
    page.get_by_role("heading", name="Privacy").wait_for(timeout=60_000)  # the page's end
    _wait_idle(page)
    screenshot(page, "10-fairness")
    body = _body(page)
    assert "worse for sex" in body or "cannot be compared" in body
    assert "Privacy" in body
    page.get_by_test_id("stButtonGroup").get_by_text("sex × age", exact=True).click()
    page.get_by_text("'sex' was used in training; 'age' was used in training.").wait_for(
        timeout=30_000
    )
    page.wait_for_timeout(800)
    screenshot(page, "10-fairness-combined")
    assert "Grey groups have fewer than 30 held-out rows" in _body(page)

    # Report: a preview of the very file offered, the downloads, the serving snippet.
    _nav(page, "Report")
    page.get_by_role("heading", name="A model ready to serve").wait_for(timeout=120_000)
    _wait_idle(page)
    preview = page.frame_locator("iframe").first
    preview.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
    page.wait_for_timeout(1000)
    screenshot(page, "11-report")
    body = _body(page)
    assert "python serve.py rows.csv predictions.csv" in body
    with page.expect_download() as download:
        page.get_by_role("button", name="Report (HTML)").click()
    report = Path(download.value.path()).read_text(encoding="utf-8")
    assert "<h2>Leaderboard</h2>" in report
    assert "<h2>Business case</h2>" in report
    with page.expect_download() as download:
        page.get_by_role(
            "button", name=re.compile(r"with serve\.py and serve_onnx\.py \(zip\)")
        ).click()
    assert download.value.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(download.value.path()) as archive:
        names = set(archive.namelist())
    assert {"serve.py", "serve_onnx.py", "README.txt"} <= names
    assert any(n.endswith(".onnx") for n in names)

    # Another browser session sees none of this session's results.
    other = browser.new_context(viewport={"width": 1400, "height": 1000})
    stranger = other.new_page()
    stranger.goto(app_url)
    stranger.get_by_text("german_credit.csv").first.wait_for(timeout=60_000)
    _wait_idle(stranger)
    _nav(stranger, "Trade-offs")
    assert "There are no results yet" in _body(stranger)
    other.close()

    # A reload starts a new session, and the study is still there: its id rides in the link.
    assert re.search(r"[?&]study=[0-9a-f]{32}", page.url), page.url
    page.reload()
    page.get_by_role("heading", name="A model ready to serve").wait_for(timeout=120_000)
    _wait_idle(page)
    body = _body(page)  # the page reloaded was Report, and it shows the same study
    assert "11 of 11 models trained" in body
    assert "No study yet" not in body
    screenshot(page, "7-reloaded")
    # A link to no saved study (mistyped, deleted or hostile) says so and opens nothing.
    for bad in ("0" * 32, "../../etc/passwd", "%3Cscript%3E"):
        page.goto(f"{app_url}/?study={bad}")
        page.get_by_text("The study in this link could not be opened").wait_for(timeout=60_000)
        _wait_idle(page)
        assert "No study yet" in _body(page)
    page.goto(app_url)
    page.get_by_text("german_credit.csv").first.wait_for(timeout=60_000)
    _wait_idle(page)
    _nav(page, "Studies")
    page.get_by_text("Study to open or delete").wait_for(timeout=30_000)
    screenshot(page, "7-studies")
    _body(page)
    picked = page.get_by_role("combobox", name="Study to open or delete").input_value()
    assert "german_credit.csv → credit_risk · 11 models" in picked
    page.get_by_role("button", name="Open this study").click()
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    _wait_idle(page)
    screenshot(page, "8-reopened")
    body = _body(page)
    assert "Industry pick:" in body
    assert "Trade-offs" in body


def test_data_page_in_the_browser(page):
    page.get_by_text("german_credit.csv").first.wait_for(timeout=60_000)
    _wait_idle(page)
    _nav(page, "Data")
    page.get_by_text("Columns left out of the features").wait_for(timeout=30_000)
    page.wait_for_timeout(1000)  # let the data grids paint
    screenshot(page, "data", wide_ok=True)  # the preview is the table itself
    body = _body(page)
    chosen = page.get_by_role("combobox", name="Column to predict (target)").input_value()
    assert chosen == "credit_risk"
    assert "up to 200 MB" in body or "Bundled sample" in body
    assert "Personal data and identifier columns are left out by default" in body


def test_multiclass_costs_are_edited_in_the_grid(page):
    """Train on penguins (three species), then price one kind of answer in the cost grid: the
    business case follows at once."""
    page.get_by_text("german_credit.csv").first.wait_for(timeout=60_000)
    _wait_idle(page)
    _nav(page, "Data")
    page.get_by_role("combobox", name="Sample dataset").click()
    page.get_by_role("option", name=re.compile("Palmer penguins")).click()
    _wait_idle(page)
    _nav(page, "Train")
    page.get_by_role("button", name=re.compile(r"Train \d+ models")).click()
    page.get_by_text("Latest results").wait_for(timeout=TRAIN_TIMEOUT_MS)
    _wait_idle(page)
    _nav(page, "Business case")
    page.get_by_text("is only an example").first.wait_for(timeout=60_000)
    _wait_idle(page)
    # The cost grid is the first data grid, above the results; its canvas holds a 35-pixel
    # header and 35-pixel rows, the first column being the row names.
    box = page.get_by_test_id("stDataFrame").first.locator("canvas").first.bounding_box()
    assert box is not None
    # Row "true: Adelie", column "Adelie": a right answer now costs $100.
    page.mouse.dblclick(box["x"] + box["width"] * 0.3, box["y"] + 35 + 17)
    editor = page.locator("input.gdg-input")
    editor.wait_for(timeout=10_000)
    editor.fill("100")
    editor.press("Enter")
    _wait_idle(page)
    # Editing the grid gives the user's own costs: money decides now.
    page.get_by_text("Based on your business numbers").first.wait_for(timeout=30_000)
    screenshot(page, "business-multiclass")
    assert "Cost of each kind of mistake" in _body(page)


def _pick(page, box: str, option: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("combobox", name=box).click()
    page.get_by_role("option", name=option, exact=True).click()
    _wait_idle(page)


def test_upload_change_the_target_twice_and_the_task_once_then_train(page):
    """The path that once blocked every upload whose target was changed ("Unknown task
    'Automatic'"): a real table (scikit-learn's iris, with its species as words and a yes/no
    column), uploaded, the target changed, the task overridden and set back, the target changed
    again, then trained."""
    from sklearn.datasets import load_iris

    iris = load_iris(as_frame=True)
    frame = iris.frame.assign(species=iris.target_names[iris.target]).drop(columns="target")
    frame["petal_wide"] = np.where(frame["petal width (cm)"] > 1.0, "yes", "no")
    page.get_by_text("german_credit.csv").first.wait_for(timeout=60_000)
    _wait_idle(page)
    _nav(page, "Data")
    page.get_by_text("Upload a file").click()
    _wait_idle(page)
    # A bigger table than the upload limit: the page gives the exact command for it.
    assert BIG_TABLE_COMMAND in page.get_by_test_id("stCode").first.inner_text()
    # A file that is not a table first: its error is said, and goes when the file is removed.
    page.locator("input[type=file]").set_input_files(
        files=[
            {
                "name": "page.csv",
                "mimeType": "text/csv",
                "buffer": b"<!doctype html><html><body>not a table</body></html>",
            }
        ]
    )
    page.get_by_text("Still showing the previous table").wait_for(timeout=30_000)
    _wait_idle(page)
    page.get_by_test_id("stFileChipDeleteBtn").first.click()
    _wait_idle(page)
    assert "Still showing the previous table" not in _body(page)
    page.locator("input[type=file]").set_input_files(
        files=[
            {
                "name": "iris.csv",
                "mimeType": "text/csv",
                "buffer": frame.to_csv(index=False).encode(),
            }
        ]
    )
    page.get_by_text("iris.csv").first.wait_for(timeout=30_000)
    _wait_idle(page)
    _pick(page, "Column to predict (target)", "sepal length (cm)")  # a number: regression
    assert "Inferred from the target's values: regression" in _body(page)
    _pick(page, "Column to predict (target)", "species")  # three classes
    assert "multiclass classification" in _body(page)
    _pick(page, "Task", "Regression (predict a number)")  # a wrong override, then back
    _pick(page, "Task", "Automatic (from the target's values)")
    # Then the target again, through a yes/no and a number: the old label-dependent choice came
    # back here as "Unknown task 'Automatic'" and the Train button went away.
    _pick(page, "Column to predict (target)", "petal_wide")
    assert "Inferred from the target's values: binary classification" in _body(page)
    _pick(page, "Column to predict (target)", "sepal width (cm)")
    _pick(page, "Column to predict (target)", "species")
    body = _body(page)
    assert "Unknown task" not in body
    assert "Inferred from the target's values: multiclass classification" in body
    screenshot(page, "upload-target-changed", wide_ok=True)
    _nav(page, "Train")
    assert "Unknown task" not in _body(page)
    page.get_by_role("button", name=re.compile(r"Train \d+ models")).click()
    page.get_by_text("Latest results").wait_for(timeout=TRAIN_TIMEOUT_MS)
    _wait_idle(page)
    body = _body(page)
    assert "predict **species**" not in body  # Markdown is rendered, not shown
    assert "Predict species (multiclass)" in body
    screenshot(page, "upload-trained")
    # The models of the changed target, served from either runtime: the pick's sentence and the
    # chart follow the switch, and a reload keeps it.
    _nav(page, "Trade-offs")
    pick = page.get_by_test_id("stAlert").first
    assert "Served from ONNX Runtime" in pick.inner_text()  # the cheaper one, by default
    _pick(page, "Served from", "scikit-learn")
    assert "ONNX" not in page.get_by_test_id("stAlert").first.inner_text()
    names = page.evaluate("() => document.querySelector('.js-plotly-plot').data.map(t => t.name)")
    assert OTHER_RUNTIME_NAME in names  # where compiling would take them, as hollow diamonds
    assert ONNX_NAME not in names
    screenshot(page, "runtime-sklearn")
    _pick(page, "Served from", "ONNX Runtime")
    assert "Served from ONNX Runtime" in page.get_by_test_id("stAlert").first.inner_text()
    page.reload()
    page.get_by_role("combobox", name="Served from").wait_for(timeout=60_000)
    _wait_idle(page)
    assert page.get_by_role("combobox", name="Served from").input_value() == "ONNX Runtime"
    assert "species" in _body(page)
    screenshot(page, "runtime-onnx")


def _sidebar_training(page) -> str:  # type: ignore[no-untyped-def]
    bar = page.get_by_test_id("stSidebar").get_by_test_id("stProgress")
    bar.wait_for(timeout=30_000)
    return bar.inner_text()


def test_leave_train_mid_run_reload_and_come_back(page):
    """Training goes on while a person reads other pages, and across a reload; the sidebar
    follows it everywhere, and the study opens when it ends. A second training is stopped."""
    page.get_by_text("german_credit.csv").first.wait_for(timeout=60_000)
    _wait_idle(page)
    _nav(page, "Train")
    # Every model and 5-fold cross-validation: about 35 s on two cores, time to wander off.
    boxes = page.get_by_role("checkbox").all()
    models = [str(b.get_attribute("aria-label")) for b in boxes if not b.is_checked()]
    for name in [n for n in models if not n.startswith("Trace each family")]:  # not the sweep
        page.get_by_text(str(name), exact=True).first.click()  # its label, as a person does
        _wait_idle(page)
    page.get_by_text("k-fold cross-validation").click()
    _wait_idle(page)
    page.get_by_role("button", name="Train 15 models").click()
    page.get_by_role("button", name="Stop training").wait_for(timeout=30_000)
    _nav(page, "Data")
    assert _sidebar_training(page).startswith("Training")
    assert "Choose a table, the column to predict" in _body(page)  # the page works meanwhile
    screenshot(page, "mid-run-data", wide_ok=True)
    assert "job=" in page.url
    page.reload()  # a new session with the same link follows the same training
    assert _sidebar_training(page).startswith("Training")
    _nav(page, "Train")
    page.get_by_role("button", name="Stop training").wait_for(timeout=30_000)
    assert "Training on german_credit.csv" in _body(page)
    screenshot(page, "mid-run-train")
    page.get_by_text("Latest results").wait_for(timeout=TRAIN_TIMEOUT_MS)
    _wait_idle(page)
    body = _body(page)
    assert "15 of 15 models trained" in body
    assert "study=" in page.url
    assert "job=" not in page.url
    assert page.get_by_test_id("stSidebar").get_by_test_id("stProgress").count() == 0
    # Another training, a sweep of every family's sizes (the button counts them), stopped at
    # once: the study on screen stays, nothing else is saved. (The reload was a new session:
    # its choice of models is back to the default ladder.)
    page.get_by_text("Trace each family's frontier").first.click()
    _wait_idle(page)
    train = page.get_by_role("button", name=re.compile(r"Train \d+ models"))
    count = re.search(r"Train (\d+) models", train.inner_text())
    assert count is not None, train.inner_text()
    assert int(count.group(1)) > 100
    screenshot(page, "train-sweep")
    train.click()
    page.get_by_role("button", name="Stop training").click()
    page.get_by_text("Training stopped; nothing was saved.").wait_for(timeout=60_000)
    _wait_idle(page)
    assert "15 of 15 models trained" in _body(page)
    _nav(page, "Studies")
    assert _body(page).count("german_credit.csv") >= 1
