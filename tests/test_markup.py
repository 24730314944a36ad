"""Imported text going into the map's HTML and JavaScript shows as itself and never runs."""

from __future__ import annotations

import html

import pytest

from charts.markup import html_text

PAYLOADS = [
    # (imported text, what it must become)
    ("Oak House", "Oak House"),
    ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
    ("${alert(1)}", "&#36;{alert(1)}"),
    ("`+alert(1)+`", "&#96;+alert(1)+&#96;"),
    ("\\`${alert(1)}", "&#92;&#96;&#36;{alert(1)}"),
    ("</script><script>alert(1)</script>", "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"),
    ('" onmouseover="alert(1)', "&quot; onmouseover=&quot;alert(1)"),
    ("O'Brien & Sons", "O&#x27;Brien &amp; Sons"),
    ("£5 café", "£5 café"),
    ("", ""),
]


@pytest.mark.parametrize(("text", "expected"), PAYLOADS)
def test_html_text(text, expected):
    assert html_text(text) == expected


@pytest.mark.parametrize(("text", "expected"), PAYLOADS)
def test_html_text_is_safe_in_a_template_literal_and_shows_the_text(text, expected):
    escaped = html_text(text)
    assert not {"<", ">", "`", "$", "\\", '"', "'"} & set(escaped)
    assert html.unescape(escaped) == text  # the browser shows exactly what was imported


def test_non_text_is_written_as_text():
    assert html_text(12) == "12"
