"""Router: page setup, sign-in, navigation by role and the shared sidebar. Nothing else.

The pages live in `app_pages/`, not `pages/`: Streamlit still treats a
`pages/` folder as the old automatic multipage app on a fresh server, so a
bookmarked /import_data opened first would run without this router.
"""

import streamlit as st

import app_auth
import app_state

# A meeting-mode link opens with the sidebar folded away: the big screen shows the page only.
meeting_link = st.query_params.get("meeting", "").strip().lower() in ("1", "yes", "true", "on", "y")
st.set_page_config(
    page_title="Children missing from home and care",
    layout="wide",
    initial_sidebar_state="collapsed" if meeting_link else "auto",
)
user = app_auth.require_user()

sections = {
    "Patterns": [
        st.Page("app_pages/overview.py", title="Overview", default=True),
        st.Page("app_pages/hotspots.py", title="Hotspots"),
        st.Page("app_pages/repeat_runaways.py", title="Repeat runaways"),
        st.Page("app_pages/time_distance.py", title="Time and distance"),
        st.Page("app_pages/return_interviews.py", title="Return interviews"),
        st.Page("app_pages/childrens_homes.py", title="Children's homes"),
        st.Page("app_pages/demographics.py", title="Demographics and trend"),
        st.Page("app_pages/trends.py", title="Trends"),
        st.Page("app_pages/data_quality.py", title="Data quality"),
        st.Page("app_pages/benchmarks.py", title="Benchmarks"),
        st.Page("app_pages/committee_pack.py", title="Committee pack"),
    ],
}
if app_auth.can_see_child_level(user):
    sections["Children (restricted)"] = [
        st.Page("app_pages/alerts.py", title="Alerts"),
        st.Page("app_pages/attention.py", title="Who to discuss"),
        st.Page("app_pages/interview_clock.py", title="72-hour clock"),
        st.Page("app_pages/child_timeline.py", title="Child timeline"),
        st.Page("app_pages/missing_together.py", title="Missing together"),
        st.Page("app_pages/reconciliation.py", title="Reconciliation"),
    ]
if app_auth.is_admin(user):
    sections["Administration"] = [
        st.Page("app_pages/import_data.py", title="Import data"),
        st.Page("app_pages/audit_log.py", title="Audit log"),
    ]

navigation = st.navigation(sections, position="hidden")  # Streamlit's menu fails axe's list rules
app_state.page_links(sections)  # the same pages as plain links: screen readers and keyboards get through
app_auth.account_sidebar(user)  # who is signed in, and Sign out
app_state.sidebar(navigation)  # meeting switch, period and filters, kept in the URL
navigation.run()
