from arcollect_tui.text import clean


def test_control_characters_and_escape_sequences_are_stripped():
    assert clean("Acme\x1b[31m Red\x07") == "Acme[31m Red"
    assert clean("a\tb\nc\r\nd") == "a b c  d"
    assert clean("x\x00y\x7f\x9bz") == "xyz"


def test_bidi_overrides_are_removed_but_markup_like_text_stays():
    assert clean("\u202egnp.exe") == "gnp.exe"
    assert clean("Smith [/] & Sons") == "Smith [/] & Sons"
    assert clean("[@click=app.quit]x[/]") == "[@click=app.quit]x[/]"


def test_keep_newlines_for_notes():
    assert clean("line 1\r\nline\x1b 2", keep_newlines=True) == "line 1\nline 2"
    assert clean(None) == ""
