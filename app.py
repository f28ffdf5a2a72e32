"""Tradeoff Explorer: is the extra accuracy worth its cost?

Entry point of the Streamlit app (``make run``): page config, the session's state (a bundled
sample is loaded with its target chosen on first open), the sidebar and the list of pages.
Pages are thin shells over ``core``.
"""

from __future__ import annotations

import logging

import streamlit as st

from ui.common import (
    refresh_dataset,
    show_error,
    show_notice,
    sidebar,
    warm_up_explanations,
    warm_up_workers,
)
from ui.state import (
    BUSINESS_PAGE,
    CURVES_PAGE,
    DATA_PAGE,
    EXPLAIN_PAGE,
    FAIRNESS_PAGE,
    GLOSSARY_PAGE,
    REPORT_PAGE,
    START_PAGE,
    STUDIES_PAGE,
    TRADEOFFS_PAGE,
    TRAIN_PAGE,
    Icons,
    StopPage,
    init_state,
)
from ui.training import collect_finished_job, keep_in_link


def main() -> None:
    """One run of the app: Streamlit runs this file as ``__main__`` on every interaction."""
    st.set_page_config(page_title="Tradeoff Explorer", page_icon="⚖️", layout="wide")
    # Less empty space above each page's title (6rem by default): on a 1280×720 projector the
    # Trade-offs page's pick and its whole chart then fit on the first screen. Style only: it takes
    # no room on the page.
    st.html("<style>[data-testid='stMainBlockContainer'] { padding-top: 1.5rem; }</style>")
    init_state()
    warm_up_explanations()
    warm_up_workers()
    keep_in_link()
    collect_finished_job()  # a study that finished training, on whatever page is on screen
    show_notice()  # what the previous run left for this page (it switched here)

    page = st.navigation(
        [
            st.Page(START_PAGE, title="Start", icon=Icons.START, default=True),
            st.Page(DATA_PAGE, title="Data", icon=Icons.DATA),
            st.Page(TRAIN_PAGE, title="Train", icon=Icons.TRAIN),
            st.Page(TRADEOFFS_PAGE, title="Trade-offs", icon=Icons.TRADEOFFS),
            st.Page(EXPLAIN_PAGE, title="Explain", icon=Icons.EXPLAIN),
            st.Page(BUSINESS_PAGE, title="Business case", icon=Icons.BUSINESS),
            st.Page(CURVES_PAGE, title="More data?", icon=Icons.CURVES),
            st.Page(FAIRNESS_PAGE, title="Fairness", icon=Icons.FAIRNESS),
            st.Page(REPORT_PAGE, title="Report", icon=Icons.REPORT),
            st.Page(STUDIES_PAGE, title="Studies", icon=Icons.STUDIES),
            st.Page(GLOSSARY_PAGE, title="Glossary", icon=Icons.GLOSSARY),
        ]
    )
    try:
        refresh_dataset()
        page.run()
    except StopPage:  # a page ended early (e.g. its guard); the sidebar below is still drawn
        pass
    except Exception as exc:  # a bug: say sorry, keep the details in the server log
        logging.getLogger("tradeoff_explorer").exception("Page %s failed", page.title)
        show_error(exc)
    keep_in_link()  # a study the page opened, or a training it started, goes into the link at once
    sidebar()


# A worker process that multiprocessing starts from this server (a Dask cluster's worker
# restarted by its nanny, say) imports this file as ``__mp_main__``: it needs only ``core``.
if __name__ == "__main__":
    main()
