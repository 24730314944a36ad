"""Audit log (admins only): who saw or exported child-level data, imported files or signed in.

Filters by user, action, date range and text; the export downloads every row that
matches, and is itself written to the log (action `audit_export`).
"""

from datetime import date

import streamlit as st

from reports.audit import distinct_values, entries, entries_csv
from ui import auth, data

SHOWN = 2000

auth.require_admin()
st.title("Audit log")
st.caption(
    "Every child-level view and export, every import and every sign-in, newest first. "
    "Downloading this log is recorded too."
)

engine = data.current_engine()
names, actions = distinct_values(engine)
left, middle, right = st.columns(3)
chosen_users = left.multiselect("User", names, placeholder="Everyone")
chosen_actions = middle.multiselect("Action", actions, placeholder="Every action")
days = right.date_input("Dates", value=(), format="DD/MM/YYYY", help="One day, or a first and last day")
text = st.text_input("Text in the subject or filters", placeholder="e.g. a pseudonymous child id or a page")

chosen_days = [day for day in (days if isinstance(days, tuple | list) else (days,)) if isinstance(day, date)]
start = chosen_days[0] if chosen_days else None
end = chosen_days[-1] if chosen_days else None
filters = {
    "users": chosen_users,
    "actions": chosen_actions,
    "from": start.isoformat() if start else None,
    "to": end.isoformat() if end else None,
    "text": text.strip(),
}
rows = entries(engine, users=chosen_users, actions=chosen_actions, start=start, end=end, text=text)


def record_export() -> None:
    auth.audit("audit_export", "audit_log", {**filters, "rows": len(rows)})


if rows.empty:
    st.info("No audit entries match these filters.")
else:
    count = f"{len(rows):,} entries" if len(rows) != 1 else "1 entry"
    st.caption(count + (f"; the newest {SHOWN:,} are shown" if len(rows) > SHOWN else ""))
    st.dataframe(
        rows.head(SHOWN),
        hide_index=True,
        width="stretch",
        column_config={
            "at": st.column_config.DatetimeColumn("When", format="DD/MM/YYYY HH:mm:ss"),
            "user": "User",
            "action": "Action",
            "subject": "Subject",
            "filters": st.column_config.TextColumn("Filters", width="large"),
        },
    )
    st.download_button(
        "Download these entries (CSV)",
        entries_csv(rows),
        file_name=f"audit-log-{date.today():%Y-%m-%d}.csv",
        mime="text/csv",
        key="audit-export",
        on_click=record_export,
    )
