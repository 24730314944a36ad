"""Committee pack: the period's figures as a Word file and a PDF for a scrutiny committee paper.

Publication-safe by construction (reports.pack), so every role may build it;
each build is an export and goes into the audit log.
"""

import tempfile
from pathlib import Path

import streamlit as st

from reports.pack import NO_CONVERTER, PackError, build_pack, docx_to_pdf, pdf_converter
from ui import auth, display, sidebar

st.title("Committee pack")
view = sidebar.page_view()
filters_text = "; ".join(f"{key.replace('_', ' ')}: {', '.join(values)}" for key, values in view.filters.items())
st.caption(f"Episodes reported {view.period.label()}" + (f", filtered to {filters_text}." if filters_text else "."))
st.markdown(
    "A paper for the scrutiny committee, safeguarding board or Lead Member: a title page, the headline figures "
    "against the previous period and the same period last year, then trend, repeat runaways, time missing, "
    "distance, hotspots, children's homes, return interviews and demographics, each as a chart with its table, "
    "and the definitions. Small numbers are suppressed (counts 1 to 4 as <5) and no child is named."
)

stem = f"committee-pack-{view.period.start:%Y-%m-%d}-to-{view.period.end:%Y-%m-%d}"
key = (view.period.start, view.period.end, tuple(sorted((k, tuple(v)) for k, v in view.filters.items())))
built = st.session_state.get("committee_pack")
if built is not None and built["key"] != key:
    built = None  # the period or filters changed since it was built

display.stop_when_empty(view.current, view.period.label())
if st.button("Build the pack", type="primary", icon=":material/description:"):
    bar = st.progress(0.0, text="Starting")
    has_pdf = pdf_converter() is not None
    share = 0.7 if has_pdf else 1.0
    with tempfile.TemporaryDirectory(prefix="committee-pack-") as folder:
        docx = Path(folder) / f"{stem}.docx"
        build_pack(
            view.episodes,
            view.period.start,
            view.period.end,
            docx,
            view.filters,
            progress=lambda fraction, text: bar.progress(min(share * fraction, 1.0), text=text),
        )
        built = {"key": key, "docx": docx.read_bytes(), "pdf": None, "pdf_error": None}
        if has_pdf:
            bar.progress(share, text="Converting to PDF")
            try:
                built["pdf"] = docx_to_pdf(docx, Path(folder) / f"{stem}.pdf").read_bytes()
            except PackError as error:
                built["pdf_error"] = str(error)
        else:
            built["pdf_error"] = NO_CONVERTER
    bar.progress(1.0, text="Done")
    st.session_state["committee_pack"] = built
    auth.audit("export", "committee pack", view.filters_for_audit())

if built is not None:
    st.success("The pack is ready.")
    word, pdf, _ = st.columns([1, 1, 2])
    word.download_button(
        "Download Word (.docx)",
        built["docx"],
        file_name=f"{stem}.docx",
        on_click="ignore",
        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        icon=":material/download:",
    )
    if built["pdf"] is not None:
        pdf.download_button(
            "Download PDF",
            built["pdf"],
            file_name=f"{stem}.pdf",
            mime="application/pdf",
            on_click="ignore",
            icon=":material/download:",
        )
    else:
        st.warning(built["pdf_error"])
