"""The Streamlit interface: pages, the view in the URL, the sidebar, sign-in and display helpers."""
