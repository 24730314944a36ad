"""PLACEHOLDER: being built (see the issue that names this page)."""

import streamlit as st

st.title("repeat_runaways")
st.info("This page is being built.")
