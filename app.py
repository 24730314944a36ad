"""Router: page setup, sign-in, navigation by role and the shared sidebar. Nothing else.

The pages live in `ui/pages/`, not `pages/`: Streamlit still treats a
`pages/` folder as the old automatic multipage app on a fresh server, so a
bookmarked /import_data opened first would run without this router.
"""

import streamlit as st

import config
import config.logging
from config.sections import SettingsError
from ui import auth, sidebar, view
from ui.errors import run_page

config.logging.configure()  # once a process: a rerun finds it done

# A meeting-mode link opens with the sidebar folded away: the big screen shows the page only.
meeting_link, _ = view.meeting_from_params({"meeting": st.query_params.get("meeting")})
st.set_page_config(
    page_title="Children missing from home and care",
    layout="wide",
    initial_sidebar_state="collapsed" if meeting_link else "auto",
)
try:
    config.settings()
except SettingsError as problem:  # named file, section and key; never a traceback
    st.error(f"The dashboard cannot start: {problem}")
    st.stop()
user = auth.require_user()

sections = {
    "Patterns": [
        st.Page("ui/pages/overview.py", title="Overview", default=True),
        st.Page("ui/pages/hotspots.py", title="Hotspots"),
        st.Page("ui/pages/repeat_runaways.py", title="Repeat runaways"),
        st.Page("ui/pages/time_distance.py", title="Time and distance"),
        st.Page("ui/pages/return_interviews.py", title="Return interviews"),
        st.Page("ui/pages/childrens_homes.py", title="Children's homes"),
        st.Page("ui/pages/demographics.py", title="Demographics and trend"),
        st.Page("ui/pages/trends.py", title="Trends"),
        st.Page("ui/pages/data_quality.py", title="Data quality"),
        st.Page("ui/pages/benchmarks.py", title="Benchmarks"),
        st.Page("ui/pages/committee_pack.py", title="Committee pack"),
    ],
}
if auth.can_see_child_level(user):
    sections["Children (restricted)"] = [
        st.Page("ui/pages/alerts.py", title="Alerts"),
        st.Page("ui/pages/attention.py", title="Who to discuss"),
        st.Page("ui/pages/interview_clock.py", title="72-hour clock"),
        st.Page("ui/pages/child_timeline.py", title="Child timeline"),
        st.Page("ui/pages/missing_together.py", title="Missing together"),
        st.Page("ui/pages/reconciliation.py", title="Reconciliation"),
    ]
if auth.is_admin(user):
    sections["Administration"] = [
        st.Page("ui/pages/import_data.py", title="Import data"),
        st.Page("ui/pages/audit_log.py", title="Audit log"),
    ]

navigation = st.navigation(sections, position="hidden")  # Streamlit's menu fails axe's list rules
sidebar.page_links(sections)  # the same pages as plain links: screen readers and keyboards get through
auth.account_sidebar(user)  # who is signed in, and Sign out
sidebar.sidebar(navigation)  # meeting switch, period and filters, kept in the URL
run_page(navigation)  # an unexpected error: a short message for the user, the traceback logged
