"""The display sanitiser of feed HTML: nothing executable survives, harmless markup does, and
the input is never changed (the stored text stays verbatim)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.feeds.sanitize import LINK_REL, to_html, to_text

HOSTILE = [
    '<script>alert("x")</script>',
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    "<img src=x onerror=alert(1)//",
    '<a href="javascript:alert(1)">j</a>',
    '<a href=" javascript:alert(1)">j</a>',
    '<a href="JaVaScRiPt:alert(1)">j</a>',
    '<a href="java&#x09;script:alert(1)">j</a>',
    '<a href="&#106;avascript:alert(1)">j</a>',
    '<a href="vbscript:msgbox(1)">v</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">d</a>',
    '<style>body { background: url("javascript:alert(1)") }</style>',
    '<p style="background:url(javascript:alert(1))">s</p>',
    '<iframe src="https://evil.example/"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="x.swf"></object><embed src="x.swf">',
    "<svg onload=alert(1)><script>alert(2)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction></math>',
    '<body onload="alert(1)">b</body>',
    '<div onclick="alert(1)" onmouseover="alert(2)">d</div>',
    '<form action="https://evil.example/"><input name="p"><button>go</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    "<!--<script>alert(1)</script>-->",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<template><script>alert(1)</script></template>",
    "<video src=x onerror=alert(1)></video><audio src=x onerror=alert(1)>",
    '<a href="https://ok.example/" target="_blank" onfocus="alert(1)" autofocus>ok</a>',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
]
EXECUTABLE = re.compile(
    r"<\s*(script|style|iframe|object|embed|svg|math|form|input|base|meta|link|img|video"
    r"|audio|template|noscript|body)\b|\bon[a-z]+\s*=|javascript:|vbscript:|data:|srcdoc"
    r"|\bstyle\s*=|\btarget\s*=|\bsrc\s*=",
    re.I,
)


@pytest.mark.parametrize("text", HOSTILE)
def test_nothing_executable_survives(text: str) -> None:
    before = str(text)
    out = to_html(text, base_url="https://agency.example/news/1")
    assert not EXECUTABLE.search(out), out
    assert text == before  # the input is untouched
    plain = to_text(text)
    assert "<" not in plain or "alert" in plain  # only escaped text can contain "<"


def test_harmless_markup_survives() -> None:
    text = (
        "<h2>Title</h2><p>One <b>bold</b> <em>word</em><br>next</p>"
        "<ul><li>a</li></ul><ol start=3><li>b</li></ol><blockquote>q</blockquote>"
        '<table><tr><th scope="col">h</th></tr><tr><td colspan="2">c</td></tr></table>'
    )
    out = to_html(text)
    for kept in (
        "<h2>Title</h2>",
        "<b>bold</b>",
        "<em>word</em>",
        "<br>",
        "<li>a</li>",
        '<ol start="3">',
        "<blockquote>q</blockquote>",
        '<th scope="col">h</th>',
        '<td colspan="2">c</td>',
    ):
        assert kept in out


def test_links_are_web_or_mail_addresses_with_rel() -> None:
    out = to_html(
        '<a href="https://a.example/x">a</a><a href="mailto:p@a.example">m</a>'
        '<a href="ftp://a.example/">f</a>',
    )
    assert f'<a href="https://a.example/x" rel="{LINK_REL}">a</a>' in out
    assert f'<a href="mailto:p@a.example" rel="{LINK_REL}">m</a>' in out
    assert "ftp:" not in out
    assert LINK_REL == "noopener noreferrer nofollow"


def test_relative_links_resolve_against_the_item_or_are_dropped() -> None:
    text = '<a href="/news/2">two</a>'
    assert 'href="https://agency.example/news/2"' in to_html(
        text, base_url="https://agency.example/news/1"
    )
    # never a link into accord itself
    assert "href" not in to_html(text)
    assert "href" not in to_html(text, base_url="javascript:alert(1)")


def test_images_become_their_alt_text() -> None:
    assert to_html('<p><img src="https://t.example/p.gif" alt="A map &amp; chart"></p>') == (
        "<p>[image: A map &amp; chart]</p>"
    )
    assert to_html('<img src="https://t.example/p.gif">x') == "x"
    hostile_alt = to_html('<img alt="<script>alert(1)</script>" src=x>')
    assert "<script" not in hostile_alt and "&lt;script&gt;" in hostile_alt


def test_plain_text_for_excerpts() -> None:
    assert to_text("<p>One</p><p>two &amp; <b>three</b></p><script>x()</script>") == (
        "One two & three"
    )
    assert to_text("5 &lt; 6") == "5 < 6"
    assert to_text("") == "" and to_html("") == ""
    long = to_text("word " * 100, limit=30)
    assert len(long) <= 30 and long.endswith("…")
    assert to_text("x" * 100, limit=10) == "x" * 9 + "…"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "<",
                ">",
                "/",
                '"',
                "'",
                "=",
                " ",
                "script",
                "img",
                "svg",
                "a",
                "href",
                "onerror",
                "onload",
                "javascript:",
                "alert(1)",
                "&lt;",
                "&#",
                "x",
                "style",
                "iframe",
                "src",
            ]
        ),
        max_size=40,
    ).map("".join)
)
def test_fuzzed_fragments_never_execute(text: str) -> None:
    out = to_html(text, base_url="https://agency.example/")
    lowered = out.lower()
    assert not re.search(r"<\s*(script|svg|iframe|img|style)\b", lowered), out
    assert not re.search(r"<[^>]*\bon[a-z]+\s*=", lowered), out
    assert 'href="javascript' not in lowered
