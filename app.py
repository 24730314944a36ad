"""Router: page setup, navigation and the shared period selector. Nothing else."""

import streamlit as st

import app_state

st.set_page_config(page_title="Children missing from home and care", layout="wide")

navigation = st.navigation(
    [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("pages/import_data.py", title="Import data", icon=":material/upload_file:"),
    ]
)
app_state.period_sidebar()
navigation.run()
