"""Router: page setup, navigation and the shared period selector. Nothing else.

The pages live in `app_pages/`, not `pages/`: Streamlit still treats a
`pages/` folder as the old automatic multipage app on a fresh server, so a
bookmarked /import_data opened first would run without this router.
"""

import streamlit as st

import app_state

st.set_page_config(page_title="Children missing from home and care", layout="wide")

navigation = st.navigation(
    [
        st.Page("app_pages/overview.py", title="Overview", default=True),
        st.Page("app_pages/import_data.py", title="Import data"),
    ]
)
app_state.period_sidebar()
navigation.run()
