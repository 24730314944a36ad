"""Altair and folium builders: a metric table in, a chart out (no Streamlit, no SQL)."""

from charts import theme  # noqa: F401  registers the theme on import
