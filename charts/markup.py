"""Imported text on its way into the HTML and JavaScript that the map writes.

Names and ids come from council and police files, so they may hold anything,
`<img onerror=...>` or `${...}` included. folium puts a tooltip's text raw
into a JavaScript template literal holding HTML, so the text must be safe in
both at once: `html.escape` for the HTML, and the three characters a template
literal gives meaning to (backtick, `$`, backslash) written as HTML character
references, which the browser shows as the characters themselves.
"""

from __future__ import annotations

import html

_TEMPLATE_LITERAL = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})


def html_text(value: object) -> str:
    """`value` as text that shows as itself in HTML, also inside a JavaScript template literal."""
    return html.escape(str(value), quote=True).translate(_TEMPLATE_LITERAL)
