"""Benchmarks: how do we compare? The council's own figures for a year ending 31 March beside
the DfE's for the council, its region, England and its statistical neighbours (domain.md
section 10). Whole years and every care episode: the sidebar period and filters do not apply."""

import streamlit as st

import config
from charts.benchmarks import benchmark_chart
from metrics.benchmarks import COMPARED_CATEGORIES, COUNT_COLUMNS, LOCAL_COLUMNS
from reports.benchmarks import (
    ATTRIBUTION,
    CHART_NOTE,
    DFE_SOURCE,
    chart_rows,
    measure_title,
    source_text,
    subtitle,
    years_with_episodes,
)
from ui import auth, cached, display, sidebar

YEAR_PARAM = "year"
COUNT_NOTE = "Region and England totals are in the table below the chart, on another scale. "
NEAREST_PARAM = "nearest"
TABLE_COLUMNS = {
    "category": None,
    "column": None,
    "measure": "DfE measure",
    "label": None,
    "role": None,
    "area": "Area",
    "value": None,
    "low": None,
    "high": None,
    "shown": "Figure",
}
LOCAL_COLUMNS_SHOWN = {
    "year": st.column_config.NumberColumn("Year ending March", format="%d"),
    "category": "Category",
    "children": st.column_config.NumberColumn("Children with at least one"),
    "episodes": st.column_config.NumberColumn("Episodes"),
    "episodes_per_child": st.column_config.NumberColumn("Episodes per child", format="%.1f"),
    "looked_after": st.column_config.NumberColumn("Looked after during the year (DfE)", format="%d"),
    "percent_looked_after": st.column_config.NumberColumn("% of looked-after children", format="%.1f%%"),
}


st.title("Benchmarks: how do we compare?")
view = sidebar.page_view()
settings = config.settings()
council, la_code = settings.authority.name, settings.authority.dfe_la_code
grouping = settings.benchmarks.neighbour_grouping
st.caption(
    "The council's own care episodes of category missing and away, for each year ending 31 March, beside the "
    "Department for Education's figures. Whole years and every care episode: the sidebar period and filters do "
    "not apply here."
)
if not la_code:
    st.warning("Set the council's DfE LA number (`dfe_la_code` in `[authority]`, config/settings.toml) to compare.")
    st.stop()
figures_version, every = cached.benchmark_figures()
years = years_with_episodes(view.episodes)
if not years:
    st.info("No episodes yet: import some to compare them with the DfE's figures.")
    st.stop()
published = sorted(every["year"].unique())
requested = st.query_params.get(YEAR_PARAM)
year = st.selectbox(
    "Year ending 31 March",
    years,
    index=years.index(int(requested)) if requested and requested.isdigit() and int(requested) in years else 0,
    help="The council's own figures are for the whole year, 1 April to 31 March.",
)
st.query_params[YEAR_PARAM] = str(year)
viewer = auth.require_user().role == "viewer"
threshold = settings.publication.suppress_below if viewer else None
result = cached.benchmarks(
    view.episodes,
    every,
    figures_version,
    year,
    la_code=la_code,
    council_name=council,
    grouping=grouping,
    threshold=threshold,
)
gaps = [str(y) for y in range(published[0], published[-1]) if y not in published]
st.caption(
    f"DfE figures shipped or loaded: years ending March {published[0]} to {published[-1]}"
    + (f" (none for {', '.join(gaps)})" if gaps else "")
    + f". Statistical neighbours: the DfE's {grouping} grouping ({len(result.neighbours)} councils)."
)

compare = True
if result.dfe_year is None:
    st.warning(result.year_note())
    compare = False
elif not result.exact:
    st.warning(result.year_note())
    compare = st.checkbox(
        f"Compare with the DfE's nearest year (year ending March {result.dfe_year}), labelled as such",
        value=st.query_params.get(NEAREST_PARAM) == "1",
    )
    if compare:
        st.query_params[NEAREST_PARAM] = "1"
    else:
        st.query_params.pop(NEAREST_PARAM, None)
else:
    st.query_params.pop(NEAREST_PARAM, None)
    st.caption(result.year_note())

if compare:
    for category in COMPARED_CATEGORIES:
        st.subheader("Missing from placement" if category == "missing" else "Away from placement without permission")
        for column in LOCAL_COLUMNS:
            rows = result.table[(result.table["category"] == category) & (result.table["column"] == column)]
            display.show_chart(
                lambda table, column=column: benchmark_chart(
                    chart_rows(table),
                    title=measure_title(table, council),
                    subtitle=subtitle(result, column, council),
                    source=source_text(result, council),
                    notes=(COUNT_NOTE if column in COUNT_COLUMNS else "") + CHART_NOTE,
                ),
                rows.reset_index(drop=True),
                name=f"Benchmarks {rows['label'].iloc[0]} {year}",
                column_config=TABLE_COLUMNS,
                aggregate_safe=True,  # already publication-safe for viewers (threshold above)
            )

st.subheader("The council's own figures, every year")
display.show_table(
    result.local,
    name="Benchmarks own figures by year",
    kind="benchmarks_local",
    column_config=LOCAL_COLUMNS_SHOWN,
)
st.subheader("Read with care")
st.markdown("\n".join(f"- {caveat}" for caveat in result.caveats()))
st.caption(f"Source: {DFE_SOURCE}. {ATTRIBUTION} See reference/dfe/README.md for the files and their extraction.")
