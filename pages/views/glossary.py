"""Glossary: every word the app and the report use, in plain words (:data:`core.glossary.TERMS`)."""

from __future__ import annotations

import streamlit as st

from core.glossary import TERMS
from ui.common import md

st.title("Glossary")
st.caption(
    "The words the app and its report use, each in a sentence or two. Every page also has a "
    "\u201cWords on this page\u201d button with the ones it uses."
)
for term in TERMS:
    st.markdown(f"**{md(term.term)}**  \n{md(term.meaning)}")
