"""A damaged video is read past its damage: frames come in order, and what is missing is said."""

from __future__ import annotations

import pytest

from lepton_desktop.services.samples import bundled_sample
from lepton_desktop.video import VideoReader, errors, probe
from lepton_desktop.video.damage import DecodeDamage, describe, in_order
from tests.damaged import huge_header, short_sample_table, with_lost_packets


def _ordered(indexes, start=0, stop=20, step=1, depth=4):
    damage = DecodeDamage()
    damage.expect(start, stop, step)
    got = [n for n, _ in in_order(((n, None) for n in indexes), damage, depth=depth)]
    damage.complete = True
    return got, damage


def test_an_undamaged_run_passes_straight_through():
    got, damage = _ordered(range(20))
    assert got == list(range(20)) and not damage.damaged and damage.ranges() == []


def test_frames_out_of_order_are_put_back_and_repeats_dropped():
    got, damage = _ordered([0, 1, 3, 2, 4, 4, 6, 5, 7, 2, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19])
    assert got == list(range(20))
    assert damage.dropped == 2 and damage.ranges() == []  # the second 4 and the late 2


def test_missing_frames_become_ranges_and_the_rest_keeps_going():
    got, damage = _ordered([0, 1, 2, 9, 10, 12, 13, 14, 15, 16, 17, 18])
    assert got == [0, 1, 2, 9, 10, 12, 13, 14, 15, 16, 17, 18]
    assert damage.ranges() == [(3, 8), (11, 11), (19, 19)] and damage.missing == 8 and damage.damaged
    assert describe(damage.ranges()) == "3-8, 11, 19" and describe(damage.ranges(), limit=1) == "3-8 and 2 more"


def test_a_frame_waiting_too_long_is_let_go_so_nothing_is_held_for_ever():
    got, damage = _ordered([0, 5, 6, 7, 8, 9, 10, 1, 11], stop=12, depth=4)
    assert got == sorted(got) and 1 not in got  # 1 came after 5 was let out: too late to keep the order
    assert damage.dropped == 1 and (1, 4) in damage.ranges()


def test_a_stepped_run_counts_only_its_own_frames():
    got, damage = _ordered([0, 3, 9, 6, 12], stop=15, step=3)
    assert got == [0, 3, 6, 9, 12] and damage.ranges() == []


@pytest.fixture(scope="module")
def holes(tmp_path_factory):
    return with_lost_packets(bundled_sample(), tmp_path_factory.mktemp("damage") / "holes.mp4", 100, 12)


def test_reading_a_file_with_lost_packets_skips_them_in_order(holes):
    with VideoReader(holes, cache=False) as reader:
        assert reader.frame_count == 250 and reader.info.problem is None  # the container is whole
        damage = DecodeDamage()
        got = [f.index for f in reader.iter_frames(damage=damage)]
    assert got == sorted(set(got)) and damage.complete
    assert damage.ranges() and damage.ranges()[0][0] == 100 and all(100 <= a <= b < 130 for a, b in damage.ranges())
    assert len(got) == 250 - damage.missing and damage.decode_errors > 0


def test_a_sample_table_shorter_than_the_header_is_reported(tmp_path):
    info = probe(short_sample_table(bundled_sample(), tmp_path / "moov.mp4", 41))
    assert info.frames == 41 and info.truncated
    assert "its header lists 250 frames but only 41 can be read" in info.problem
    assert "Frames 0-40 (1.64 s) are what can be read" in info.problem


def test_an_impossible_picture_size_is_one_sentence(tmp_path):
    with pytest.raises(errors.CorruptVideoError, match=r"60000x60000 pixels, beyond any real video.*header is damaged"):
        probe(huge_header(tmp_path / "huge.y4m"))
