"""A place in a video as typed: frame numbers, times in seconds, clock times, and what is neither."""

from __future__ import annotations

import pytest

from lepton_desktop.core.positions import Position, read_position


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("125", Position(frame=125)),
        (" 0 ", Position(frame=0)),
        ("12.5s", Position(seconds=12.5)),
        ("1.5sec", Position(seconds=1.5)),
        ("2 seconds", Position(seconds=2.0)),
        ("1:02.5", Position(seconds=62.5)),
        ("0:01:02.5", Position(seconds=62.5)),
    ],
)
def test_frames_and_times(typed, read):
    assert read_position(typed) == read


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("1.5", "'1.5' is not a frame number; for a time in seconds add s (1.5s)"),
        ("-3", "frame numbers start at 0"),
        ("abc", "'abc' is neither a frame number nor a time"),
        ("nan", "'nan' is not a time"),
        ("inf", "'inf' is not a time"),
        ("nans", "'nans' is not a time"),
        ("1:75", "'1:75' is not a time"),
        ("1:-0", "'1:-0' is not a time"),
        ("-2s", "'-2s' is not a time"),
        ("1:2:3:4", "'1:2:3:4' is not a time"),
    ],
)
def test_what_is_neither_is_one_sentence(typed, said):
    with pytest.raises(ValueError) as raised:
        read_position(typed)
    assert str(raised.value).startswith(said)
