"""PLACEHOLDER: being built (see the issue that names this page)."""

import streamlit as st

st.title("child_timeline")
st.info("This page is being built.")
