from battles.rendering import markdown_to_safe_html


def test_it_renders_markdown_structures() -> None:
    html = markdown_to_safe_html("# Title\n\n- one\n- two\n\n```py\nx = 1\n```\n\n|a|b|\n|-|-|\n|1|2|")
    for tag in ("<h1>", "<li>", "<pre>", "<code", "<table>", "<td>"):
        assert tag in html


def test_it_never_lets_script_through() -> None:
    hostile = (
        "<script>alert(1)</script> <img src=x onerror=alert(2)> "
        "[click](javascript:alert(3)) <a href='x' onclick='alert(4)'>y</a> "
        "<iframe src='https://evil.example'></iframe>"
    )
    html = markdown_to_safe_html(hostile)
    assert "<script" not in html
    assert "<img" not in html
    assert "<iframe" not in html
    assert 'href="javascript' not in html
    assert "<a href=\"x\"" not in html  # raw HTML stays text, so no live onclick
    assert "&lt;script&gt;" in html  # shown as text, not dropped silently
