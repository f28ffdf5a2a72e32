"""User text on screen: shown as text, never as Markdown or a link."""

from __future__ import annotations

import re

import pytest

from ui.common import md

#: How GitHub-flavoured Markdown finds links in plain text after unescaping it
#: (mdast-util-gfm-autolink-literal): JavaScript's \w is ASCII, so re.ASCII.
GFM_URL = re.compile(r"(https?://|www(?=\.))([-.\w]+)", re.IGNORECASE | re.ASCII)
GFM_EMAIL = re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)", re.ASCII)
GFM_PROTOCOL = re.compile(r"(mailto|xmpp):[-.\w+]+@", re.IGNORECASE | re.ASCII)


def _unescaped(text: str) -> str:
    """What the renderer sees as text: backslash escapes resolved."""
    return re.sub(r"\\(.)", r"\1", text)


@pytest.mark.parametrize(
    "text",
    [
        "https://evil.example/steal?x=1",
        "see HTTP://EVIL.EXAMPLE now",
        "www.evil.example",
        "(www.evil.example/path)",
        "contact me@evil.example",
        "mailto:me@evil.example",
        "ftp://evil.example",
        "[click](https://evil.example)",
        "<https://evil.example>",
        "a https://x.example and www.y.example and z@w.example",
        "my_https://evil.example",
        "*www.evil.example*",
        "~mailto:me@evil.example",
    ],
)
def test_no_link_survives(text: str) -> None:
    shown = _unescaped(md(text))
    assert not GFM_URL.search(shown), shown
    assert not GFM_EMAIL.search(shown), shown
    assert not GFM_PROTOCOL.search(shown), shown
    assert "](" not in md(text).replace("\\]", "")
    # A person still reads the same characters (the word joiner is invisible).
    assert shown.replace("\u2060", "").replace("&lt;", "<").replace("&gt;", ">") == text


def test_ordinary_text_is_left_alone() -> None:
    assert md("Size (m²) at 3 p.m. costs 5 USD") == "Size (m²) at 3 p.m. costs 5 USD"
