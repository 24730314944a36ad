"""Import: check an uploaded file, show exactly what is wrong, then land it on confirmation."""

import hashlib

import streamlit as st

import app_state
from loaders.history import import_history

st.title("Import data")
st.caption(
    "Upload a canonical episode file (CSV or XLSX, one row per episode). It is checked first; "
    "nothing is written until you confirm, and a file with any error is refused whole."
)
db = app_state.current_engine()

upload = st.file_uploader("Episode file", type=["csv", "xlsx"])
if upload is not None:
    content = upload.getvalue()
    upload_key = (upload.name, hashlib.sha256(content).hexdigest())
    if st.session_state.get("checked_upload") != upload_key:
        with st.spinner("Checking the file…"):
            st.session_state.checked_result = app_state.import_upload(db, upload.name, content, dry_run=True)
        st.session_state.checked_upload = upload_key
        st.session_state.pop("landed_upload", None)
    checked = st.session_state.checked_result

    st.subheader(f"Check of {upload.name}")
    counts = st.columns(5)
    counts[0].metric("New episodes", f"{checked.inserted:,}")
    counts[1].metric("Updated", f"{checked.updated:,}")
    counts[2].metric("Unchanged", f"{checked.unchanged:,}")
    counts[3].metric("Errors", f"{len(checked.errors):,}")
    counts[4].metric("Warnings", f"{len(checked.warnings):,}")
    if checked.messages:
        st.dataframe(app_state.messages_frame(checked), hide_index=True)

    if checked.errors:
        st.error(f"This file is refused: fix the {len(checked.errors):,} error(s) listed and upload it again.")
    elif st.session_state.get("landed_upload") == upload_key:
        st.success(st.session_state.landed_summary)
    elif st.button("Confirm import", type="primary"):
        bar = st.progress(0.0, text="Importing…")
        result = app_state.import_upload(
            db,
            upload.name,
            content,
            dry_run=False,
            progress=lambda done, text: bar.progress(min(max(done, 0.0), 1.0), text=text),
        )
        bar.progress(1.0, text="Done")
        app_state.clear_episodes()
        if result.errors:
            st.error(f"Import refused: {result.summary()}")
            st.dataframe(app_state.messages_frame(result), hide_index=True)
        else:
            st.session_state.landed_upload, st.session_state.landed_summary = (
                upload_key,
                f"Imported: {result.summary()}",
            )
            st.success(st.session_state.landed_summary)

st.subheader("Recent imports")
history = import_history(db, limit=20)
if history.empty:
    st.info("Nothing has been imported yet.")
else:
    st.dataframe(
        history,
        hide_index=True,
        column_config={"started_at": st.column_config.DatetimeColumn("Started", format="DD/MM/YYYY HH:mm")},
    )
