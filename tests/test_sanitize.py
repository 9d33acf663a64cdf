"""The one allow-list: what survives on its way to a reader, and what does not."""

from __future__ import annotations

from policysite.sanitize import sanitize_html


def test_raw_html_is_sanitized_but_ids_and_permalinks_stay() -> None:
    dirty = (
        '<h2 id="cookies">Cookies<a class="headerlink" href="#cookies" title="Permanent link">¶'
        '</a></h2>\n<p onclick="x()">Hi<script>alert(1)</script></p>\n'
        '<img src="https://tracker.example/p.gif" onerror="alert(2)" alt="p">'
        '<img src="../logo.svg" alt="logo"><iframe src="https://e.example"></iframe>'
        '<div id="__config">x</div><a href="javascript:alert(3)">j</a>'
        '<div class="policysite-picker" data-policysite-policy="privacy" data-md-x="1"></div>'
    )
    assert sanitize_html(dirty) == (
        '<h2 id="cookies">Cookies<a class="headerlink" href="#cookies" title="Permanent link">¶'
        "</a></h2>\n<p>Hi</p>\n"
        '<img alt="p"><img src="../logo.svg" alt="logo">'
        "<div>x</div><a>j</a>"
        '<div class="policysite-picker" data-policysite-policy="privacy"></div>'
    )


def test_a_redline_and_table_alignment_pass_as_they_are() -> None:
    redline = (
        '<div class="ps-redline"><section class="ps-section ps-modified" id="change-data">'
        '<p class="ps-status">Modified.</p><p><del datetime="2020-01-01">old</del> '
        '<ins><span class="ps-sr">inserted: </span>new</ins></p></section></div>'
        '<table><tbody><tr><td style="text-align: right; color: red">1</td></tr></tbody>'
        "<tfoot><tr><td>x</td></tr></tfoot></table>"
    )
    assert sanitize_html(redline) == redline.replace(
        "text-align: right; color: red", "text-align:right"
    )


def test_an_a_name_stays_a_fragment_target_but_cannot_clobber_the_themes_globals() -> None:
    clean = sanitize_html(
        '<a name="only-with-a-search-warrant"></a><a name="__config"></a><a name="md-x"></a>'
        '<img name="x" src="a.png">'
    )
    assert clean == '<a name="only-with-a-search-warrant"></a><a></a><a></a><img src="a.png">'
