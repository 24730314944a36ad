"""Return interviews: was every child who came back offered an independent interview within 72 hours,
and did it happen? For all, home and care; month by month; and by outcome. Then what completed
interviews found: who held them, why late, push and pull factors, disclosures, follow-up."""

import pandas as pd
import streamlit as st

import config
from charts.bars import GROUP_LABELS, MEASURE_LABELS, band_chart, grouped_band_chart, return_interview_chart
from charts.lines import trend_chart
from charts.titles import source_line, subtitle_text
from metrics.interview_content import (
    CONTENT_SECTIONS,
    content_bands_by_month,
    content_label,
    content_tables_by_group,
    content_title,
)
from metrics.return_interviews import date_only_eligible, monthly_return_interviews, outcome_bands, return_interviews
from reports.notes import date_only_note
from ui import auth, display, sidebar

authority = config.settings().authority.name

OUTCOME_NAMES = {
    "completed": "Completed",
    "declined": "Declined",
    "unable_to_contact": "Unable to contact",
    "missing_again": "Missing again",
    "pending": "Pending (waiting list)",
    "not_offered": "Not offered",
}
LATE_NOTE = "Late: not certainly held within 72 hours of return."
MONTHLY_DISCLOSURES = ("cse", "cce_county_lines")  # two lines whose end labels do not collide; the table has all


COMPLETED_NOTE = (
    "Of completed interviews (eligible episodes with outcome completed). One interview can record several "
    "values, so the bars need not add up to 100%. Not recorded: none given."
)


ELIGIBLE = "Eligible: missing and absent episodes with a return recorded."


def rate(table, group: str, measure: str) -> str:
    row = table[(table["group"] == group) & (table["measure"] == measure)]
    value = row["percent"].iloc[0] if len(row) else None
    if isinstance(value, str):  # suppressed for a viewer
        return value
    return "–" if value is None or pd.isna(value) else f"{value:.1f}%"


st.title("Return interviews")
view = sidebar.page_view()
period = view.period.label()
stem = f"{view.period.start:%Y-%m-%d} to {view.period.end:%Y-%m-%d}"
st.caption(f"Episodes reported {period}" + (", with the sidebar filters." if view.filters else ".") + f" {ELIGIBLE}")
display.stop_when_empty(view.current, view.period.label())

rates = return_interviews(view.current)
tiles = display.viewer_table("return_interviews", rates)  # a viewer's tiles: as the table shows them
eligible = tiles.loc[(tiles["group"] == "all") & (tiles["measure"] == "offered"), "denominator"].iloc[0]
shown = st.columns(5)
shown[0].metric(
    "Eligible episodes", eligible if isinstance(eligible, str) else f"{int(eligible):,}", border=True, help=ELIGIBLE
)
for column, measure in zip(
    shown[1:], ("offered", "offered_within_72h", "completed", "declined_of_offered"), strict=True
):
    column.metric(MEASURE_LABELS[measure], rate(tiles, "all", measure), border=True)
# "Within 72 hours" counts only what was certainly within: say how many episodes that doubt touches
publication = not auth.can_see_child_level(auth.require_user())
DATE_ONLY = date_only_note(*date_only_eligible(view.current), publication=publication)
st.caption(DATE_ONLY)

st.subheader("Offered, held and declined: all, from home, from care")
display.show_chart(
    lambda table: return_interview_chart(
        table,
        title=f"An interview was offered after {rate(table, 'all', 'offered')} of returns, "
        f"{rate(table, 'all', 'offered_within_72h')} within 72 hours",
        subtitle=subtitle_text(
            "Share of eligible episodes (of offered, for the last two)", period, authority, view.filters
        ),
        source=source_line(period, authority),
        notes=f"{ELIGIBLE} {DATE_ONLY}",
    ),
    rates,
    name=f"Return interviews {stem}",
    kind="return_interviews",
    column_config={
        "group": "Group",
        "measure": "Measure",
        "count": st.column_config.NumberColumn("Episodes"),
        "denominator": st.column_config.NumberColumn("Out of"),
        "percent": st.column_config.NumberColumn("Percent", format="%.1f%%"),
    },
)

st.subheader("Month by month")
display.show_chart(
    lambda table: trend_chart(
        table.assign(measure=table["measure"].map(MEASURE_LABELS)),
        title="Offered and completed each month",
        subtitle=subtitle_text("Share of eligible episodes, by month reported", period, authority, view.filters),
        source=source_line(period, authority),
        notes=f"{ELIGIBLE} {DATE_ONLY}",
        series="measure",
        value="percent",
        y_title="Per cent of eligible episodes",
        percent=True,
    ),
    monthly_return_interviews(view.current),
    name=f"Return interviews by month {stem}",
    column_config={
        "month": "Month",
        "measure": "Measure",
        "percent": st.column_config.NumberColumn(format="%.1f%%"),
    },
)
st.subheader("By outcome")
display.show_chart(
    lambda table: band_chart(
        table.assign(band=table["band"].map(OUTCOME_NAMES).fillna(table["band"])),
        title="What happened to each interview",
        subtitle=subtitle_text("Eligible episodes by return interview outcome", period, authority, view.filters),
        source=source_line(period, authority),
        notes=ELIGIBLE + " Not recorded: no outcome given.",
    ),
    outcome_bands(view.current),
    name=f"Return interview outcomes {stem}",
    column_config={
        "band": "Outcome",
        "count": st.column_config.NumberColumn("Episodes"),
        "percent": st.column_config.NumberColumn("Percent", format="%.1f%%"),
    },
)

# What completed interviews recorded (domain.md section 11): one chart and table per kind of content.
st.subheader("What the interviews found")
content = content_tables_by_group(view.current, [column for _, column, _ in CONTENT_SECTIONS])
for table_name, column, heading in CONTENT_SECTIONS:
    display.show_chart(
        lambda table, heading=heading, column=column: grouped_band_chart(
            table.assign(band=table["band"].map(content_label), group=table["group"].map(GROUP_LABELS)),
            "group",
            title=content_title(table, heading),
            subtitle=subtitle_text(f"{heading}: share of completed interviews", period, authority, view.filters),
            source=source_line(period, authority),
            notes=COMPLETED_NOTE + (f" {LATE_NOTE}" if column == "rhi_late_reason" else ""),
        ),
        content[column],
        name=f"{heading} {stem}",
        kind=f"{table_name}_by_group",
        column_config={
            "group": "Group",
            "band": heading,
            "count": st.column_config.NumberColumn("Interviews"),
            "percent": st.column_config.NumberColumn("Percent of completed", format="%.1f%%"),
        },
    )

display.show_chart(
    lambda table: trend_chart(
        table[table["band"].isin(MONTHLY_DISCLOSURES)].assign(band=lambda t: t["band"].map(content_label)),
        title="Sexual and criminal exploitation disclosed in completed interviews, by month",
        subtitle=subtitle_text("Share of completed interviews, by month reported", period, authority, view.filters),
        source=source_line(period, authority),
        notes=COMPLETED_NOTE + " The table has every disclosure.",
        series="band",
        value="percent",
        y_title="Per cent of completed interviews",
        percent=True,
    ),
    content_bands_by_month(view.current, "disclosures"),
    name=f"Disclosures by month {stem}",
    kind="rhi_disclosures_by_month",
    column_config={
        "month": "Month",
        "band": "Disclosure",
        "count": st.column_config.NumberColumn("Interviews"),
        "percent": st.column_config.NumberColumn("Percent of completed", format="%.1f%%"),
    },
)
