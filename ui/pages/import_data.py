"""Import: check uploaded files, show every message and what would change, then land them on confirmation.

Three formats, as on the command line: the canonical episode file, the
SSDA903 return (its missing, header and episodes tables together, or the
XML return) and a police export read through a header mapping (uploaded, or
the shipped example). Nothing is written until the admin confirms; a
confirmed import is recorded in the audit log (by the importer, as on the command line).
"""

import hashlib
import logging

import streamlit as st

import config
from loaders.history import import_history
from loaders.importer import import_uploads
from ui import auth, data, display

EXAMPLE_MAPPING = config.PROJECT_ROOT / "examples" / "police_mapping.toml"
FORMATS = {
    "canonical": "Canonical episode file",
    "ssda903": "SSDA903 return (missing, header, episodes)",
    "police": "Police export (with a header mapping)",
}
PREVIEW_COLUMNS = ["episode_id", "child_id", "category", "reported_at", "returned_at", "missing_from"]
PREVIEW_ROWS = 20
CHANGES = {"new": "New episodes", "updated": "Updated episodes", "unchanged": "Unchanged episodes"}
FAILED = (
    "The import could not run (the database may be unreachable); nothing was written. "
    "The details are in the application log."
)
log = logging.getLogger(__name__)


def run_import(*args, **kwargs):
    """`import_uploads`, or None (a plain message shown, the error logged) when even recording the attempt failed."""
    try:
        return import_uploads(*args, **kwargs)
    except Exception:
        log.exception("import of uploaded files failed")
        st.error(FAILED)
        return None


st.title("Import data")
user = auth.require_admin()
st.caption(
    "Files are checked first and nothing is written until you confirm. A file with any error is refused whole; "
    "every message names the file, row and column to fix."
)
db = data.current_engine()

file_format = st.radio("Format", list(FORMATS), format_func=FORMATS.get, horizontal=True, key="import_format")
if file_format == "ssda903":
    uploads = st.file_uploader(
        "The SSDA903 tables (CSV, recognised by their columns) or the XML return",
        type=["csv", "xlsx", "xml"],
        accept_multiple_files=True,
        key="import_files_ssda903",
    )
else:
    one = st.file_uploader(
        "Police export" if file_format == "police" else "Episode file (one row per episode, or a partial update)",
        type=["csv", "xlsx"],
        key=f"import_file_{file_format}",
    )
    uploads = [one] if one is not None else []

mapping = None
if file_format == "police":
    use_example = st.radio(
        "Header mapping",
        ["example", "upload"],
        format_func={"example": f"The shipped example ({EXAMPLE_MAPPING.name})", "upload": "Upload a mapping"}.get,
        horizontal=True,
        key="import_mapping_choice",
    )
    if use_example == "example":
        mapping = EXAMPLE_MAPPING
        with st.expander("The example mapping"):
            st.code(EXAMPLE_MAPPING.read_text(), language="toml")
    else:
        mapping_upload = st.file_uploader("Mapping file (TOML or YAML)", type=["toml", "yaml", "yml"], key="import_map")
        mapping = (mapping_upload.name, mapping_upload.getvalue()) if mapping_upload is not None else None

files = [(u.name, u.getvalue()) for u in uploads or []]
ready = bool(files) and (file_format != "police" or mapping is not None)
if files and not ready:
    st.info("Choose or upload the header mapping for this export.")

if ready:
    digest = hashlib.sha256()
    for name, content in files:
        digest.update(name.encode() + b"\0" + content)
    mapping_key = mapping[0] + hashlib.sha256(mapping[1]).hexdigest() if isinstance(mapping, tuple) else str(mapping)
    upload_key = (file_format, digest.hexdigest(), mapping_key)
    names = ", ".join(name for name, _ in files)
    if st.session_state.get("checked_upload") != upload_key:
        with st.spinner("Checking…"):
            checked = run_import(db, files, file_format, mapping=mapping, dry_run=True, user=user.name)
        if checked is None:
            st.stop()
        st.session_state.checked_result = checked
        st.session_state.checked_upload = upload_key
        st.session_state.pop("landed_upload", None)
    checked = st.session_state.checked_result

    st.subheader(f"Check of {names}")
    counts = st.columns(5)
    counts[0].metric("New episodes", f"{checked.inserted:,}")
    counts[1].metric("Updated", f"{checked.updated:,}")
    counts[2].metric("Unchanged", f"{checked.unchanged:,}")
    counts[3].metric("Errors", f"{len(checked.errors):,}")
    counts[4].metric("Warnings", f"{len(checked.warnings):,}")
    if checked.left_out:
        reasons = ", ".join(f"{n:,} {why}" for why, n in checked.left_out.items())
        st.info(f"Rows left out, outside the mapping's [scope]: {reasons}. They are not imported.")
    if checked.messages:
        display.show_table(data.messages_frame(checked), name="import-messages")

    if checked.errors:
        st.error(f"This file is refused: fix the {len(checked.errors):,} error(s) listed and upload it again.")
    else:
        st.subheader("What will change")
        preview = checked.preview
        for change, label in CHANGES.items():
            rows = preview[preview["change"] == change] if preview is not None else preview
            if rows is None or rows.empty:
                continue
            columns = [c for c in PREVIEW_COLUMNS if c in rows] + [
                c for c in rows.columns if c not in PREVIEW_COLUMNS and c != "change" and not c.endswith("_date_only")
            ]
            with st.expander(f"{label}: {len(rows):,} (first {min(len(rows), PREVIEW_ROWS)} shown)"):
                display.show_table(rows[columns].head(PREVIEW_ROWS), name=f"import-preview-{change}")
        if st.session_state.get("landed_upload") == upload_key:
            st.success(st.session_state.landed_summary)
        elif st.button("Confirm import", type="primary", key="import_confirm"):
            bar = st.progress(0.0, text="Importing…")
            result = run_import(
                db,
                files,
                file_format,
                mapping=mapping,
                user=user.name,
                progress=lambda done, text: bar.progress(min(max(done, 0.0), 1.0), text=text),
            )
            bar.progress(1.0, text="Done")
            data.clear_episodes()
            if result is not None and result.errors:
                st.error(f"Import refused: {result.summary()}")
                display.show_table(data.messages_frame(result), name="import-messages")
            elif result is not None:
                st.session_state.landed_upload = upload_key
                st.session_state.landed_summary = f"Imported: {result.summary()}"
                st.success(st.session_state.landed_summary)

st.subheader("Recent imports")
history = import_history(db, limit=20)
if history.empty:
    st.info("Nothing has been imported yet.")
else:
    display.show_table(
        history,
        name="import-history",
        column_config={"started_at": st.column_config.DatetimeColumn("Started", format="DD/MM/YYYY HH:mm")},
    )
