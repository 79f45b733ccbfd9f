"""BORIS project files (``.boris``): the labels as observations BORIS opens directly, and such files read back.

A ``.boris`` file is the JSON document BORIS opens with *File > Open project*. Written here:

- one MEDIA observation per annotator with that annotator's corrections (independent variables
  ``Annotator`` = the name, ``Origin`` = ``annotator``), and one with the model's dominant emotion
  (``Origin`` = ``model``), so a coder sees the model's labels in BORIS and BORIS's own agreement
  tools (Cohen's kappa between observations) can compare coders with the model;
- the video linked by its absolute path on player 1, with ``media_info`` (length, fps, hasVideo,
  hasAudio) so BORIS need not probe it;
- subjects = the people; ethogram = the seven emotions as *State event*s with the app's colours,
  keys 1-7 as in the app, category ``Emotion``, each excluding the six others;
- events as START/STOP pairs at the exact frame times of the video (the start of a span's first
  frame, the start of the frame after its last), rounded to the millisecond as BORIS keeps them;
  the frame index (the row's sixth field) is the span's first frame on START, its last on STOP.

The layout follows BORIS's own code (github.com/olivierfriard/BORIS, ``boris/``):

- ``config.py``: ``EMPTY_PROJECT`` (the top-level keys), ``project_format_version = "7.0"``,
  ``MEDIA_PJ_EVENTS_FIELDS = (time, subject, code, modifier, comment, frame index)``,
  ``STATE_EVENT = "State event"``, ``behavioursFields`` (the ethogram entry keys),
  ``N_PLAYER = 8``, ``MEDIA_INFO``/``LENGTH``/``FPS``/``HAS_VIDEO``/``HAS_AUDIO``;
- ``project.py`` ``check_ethogram``/``pbOK_clicked``: ethogram and subjects as dicts keyed ``"0"``,
  ``"1"``...; ``excluded`` a comma-separated list of codes; independent variables with ``label``,
  ``description``, ``type``, ``default value``, ``possible values``;
- ``observation_operations.py`` ``new_observation``: the observation keys of a media observation,
  ``file`` = ``{"1": [path], ..., "8": []}`` and ``media_info`` keyed by that path;
- ``project_functions.py`` ``open_project_json`` (what loading reads and refuses: a format version
  newer than the running BORIS, ``subjects_conf``, ``behaviors_conf``, ``observations``),
  ``check_project_integrity`` and ``check_state_events_obs``: a state event is a START at an odd
  occurrence and a STOP at an even one per (subject, behaviour, modifier), in event order;
- ``utilities.py`` ``convert_time_to_decimal``: event times become ``Decimal`` rounded to 0.001.

Reading takes the MEDIA observations of this video (player 1 is a file of the same name), pairs
their state events as BORIS does, and leaves out point events, the model's observation and
observations of other files. The annotator is the ``Annotator`` (or ``Coder``, ``Observer``)
independent variable, else ``--annotator``, else the observation's name. ``.boris.gz`` (BORIS's
compressed projects) reads too.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from lepton_desktop.core.colors import hex_color
from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.core.labels import segments
from lepton_desktop.core.spans import span_seconds
from lepton_desktop.core.timeline import format_timecode
from lepton_desktop.services.interop.boris import MODEL_ORIGIN, NO_SUBJECT
from lepton_desktop.services.interop.files import read_failure, write_atomically
from lepton_desktop.services.interop.incoming import Incoming, Skipped
from lepton_desktop.services.interop.video import InteropError, Person, VideoAnnotations, human_labels, model_labels
from lepton_desktop.store import Project
from lepton_desktop.video.opening import has_audio

PROJECT_FORMAT_VERSION = "7.0"
"""What BORIS 8 writes (``config.project_format_version``); BORIS refuses files newer than itself."""
PLAYERS = 8
"""``config.N_PLAYER``: an observation lists media for players "1".."8"."""
STATE_EVENT = "State event"
CATEGORY = "Emotion"
ANNOTATOR = "Annotator"
ORIGIN = "Origin"
"""Independent variable: ``annotator`` (corrections) or ``model`` (the model's labels, never imported)."""
_ANNOTATOR_VARIABLES = ("annotator", "coder", "observer")
VARIABLES = {
    "0": {"label": ANNOTATOR, "description": "Who made the labels", "type": "text",
          "default value": "", "possible values": ""},
    "1": {"label": ORIGIN, "description": "annotator: corrections; model: the model's labels",
          "type": "value from set", "default value": "annotator", "possible values": "annotator,model"},
}  # fmt: skip
"""The project's independent variables (``project.pbOK_clicked`` writes these keys)."""

PROJECT_KEYS = (
    "time_format", "project_date", "project_name", "project_description", "project_format_version",
    "subjects_conf", "behaviors_conf", "observations", "behavioral_categories", "behavioral_categories_config",
    "independent_variables", "coding_map", "behaviors_coding_map", "converters",
)  # fmt: skip
"""``config.EMPTY_PROJECT``: what a project BORIS creates has."""
ETHOGRAM_KEYS = ("type", "key", "code", "description", "color", "category", "modifiers", "excluded", "coding map")
"""``config.behavioursFields``: the keys ``project.check_ethogram`` writes for each behaviour."""
OBSERVATION_KEYS = (
    "file", "type", "date", "description", "time offset", "events", "observation time interval",
    "independent_variables", "visualize_spectrogram", "visualize_waveform", "media_creation_date_as_offset",
    "media_scan_sampling_duration", "image_display_duration", "close_behaviors_between_videos", "media_info",
)  # fmt: skip
"""What ``observation_operations.new_observation`` writes for a media observation."""
MEDIA_INFO_KEYS = ("length", "fps", "hasVideo", "hasAudio", "offset")

Event = list[Any]
"""``[time, subject, behaviour code, modifier, comment, frame index]`` (``config.MEDIA_PJ_EVENTS_FIELDS``)."""


def write_boris_project(project: Project, ctx: VideoAnnotations, out: Path) -> dict[str, Any]:
    """Write the ``.boris`` project; return what it holds."""
    media = str(ctx.media.resolve())
    subjects = {p.number: subject_name(p) for p in ctx.people}
    per_annotator: dict[str, list[Event]] = defaultdict(list)
    model: list[Event] = []
    for person in ctx.people:
        for annotator, labels in human_labels(project, ctx, person).items():
            per_annotator[annotator].extend(_events(ctx, subjects[person.number], labels))
        model.extend(_events(ctx, subjects[person.number], model_labels(project, person, ctx.frame_count)[0]))
    observation = _observation_maker(ctx, media)
    stem = ctx.media.stem.strip() or "video"
    observations = {
        f"{stem} - {annotator}": observation(
            per_annotator[annotator], f"Corrections by {annotator} in Lepton Desktop", annotator, "annotator"
        )
        for annotator in sorted(per_annotator)
    }
    observations[f"{stem} (model)"] = observation(
        model, f"The dominant emotion by {ctx.model} (Lepton Desktop analysis), not corrections", ctx.model, "model"
    )
    document = {
        "time_format": "hh:mm:ss",
        "project_date": datetime.now().isoformat(timespec="seconds"),
        "project_name": f"{stem} (Lepton Desktop)",
        "project_description": f"Emotion labels of {ctx.media.name} exported by Lepton Desktop.",
        "project_format_version": PROJECT_FORMAT_VERSION,
        "subjects_conf": {
            str(i): {"key": "", "name": subjects[p.number], "description": f"Person {p.number} in Lepton Desktop"}
            for i, p in enumerate(ctx.people)
        },
        "behaviors_conf": ethogram(),
        "observations": observations,
        "behavioral_categories": [CATEGORY],
        "behavioral_categories_config": {"0": {"name": CATEGORY, "color": ""}},
        "independent_variables": VARIABLES,
        "coding_map": {},
        "behaviors_coding_map": [],
        "converters": {},
    }
    # ASCII JSON (non-ASCII as \u escapes), as BORIS's json.dumps writes it: BORIS reads projects with
    # the platform's default encoding, which is not UTF-8 on Windows.
    write_atomically(out, json.dumps(document, indent=1).encode("ascii"))
    events = sum(len(o["events"]) for o in observations.values())
    return {"layout": "project", "observations": len(observations), "correction_observations": len(per_annotator),
            "events": events, "model_events": len(model)}  # fmt: skip


def ethogram() -> dict[str, dict[str, Any]]:
    """The seven emotions as BORIS state events, keys 1-7 as in the app, each excluding the others."""
    return {
        str(i): {
            "type": STATE_EVENT,
            "key": str(i + 1),
            "code": emotion,
            "description": f"{emotion} (Lepton Desktop emotion label)",
            "color": hex_color(emotion),
            "category": CATEGORY,
            "modifiers": {},
            "excluded": ",".join(e for e in EMOTIONS if e != emotion),
            "coding map": "",
        }
        for i, emotion in enumerate(EMOTIONS)
    }


def subject_name(person: Person) -> str:
    """The person's export name; BORIS forbids ``|`` in subject names, so such a name goes by number."""
    if "|" not in person.label:
        return person.label
    return f"Person {person.number} ({person.label.replace('|', '/')})"


def _events(ctx: VideoAnnotations, subject: str, labels: npt.NDArray[np.int8]) -> list[Event]:
    """START and STOP events of every labelled span, at frame-exact times.

    The frame index is the span's first frame on START and its last on STOP (the tabular ``Image index``).
    """
    found: list[Event] = []
    for seg in segments(labels):
        start, end = span_seconds(ctx.timeline, seg.start, seg.end)
        found.append([round(start, 3), subject, seg.label, "", "", seg.start])
        found.append([round(end, 3), subject, seg.label, "", "", seg.end])
    return found


def _observation_maker(ctx: VideoAnnotations, media: str) -> Callable[[list[Event], str, str, str], dict[str, Any]]:
    info = ctx.video.info
    audio = has_audio(ctx.media)
    date = datetime.now().isoformat(timespec="milliseconds")

    def observation(events: list[Event], description: str, annotator: str, origin: str) -> dict[str, Any]:
        return {
            "file": {str(n): [media] if n == 1 else [] for n in range(1, PLAYERS + 1)},
            "type": "MEDIA",
            "date": date,
            "description": description,
            "time offset": 0.0,
            "events": sorted(events, key=lambda e: (e[0], e[1], e[2])),  # BORIS keeps events in time order
            "observation time interval": [0, 0],
            "independent_variables": {ANNOTATOR: annotator, ORIGIN: origin},
            "visualize_spectrogram": False,
            "visualize_waveform": False,
            "media_creation_date_as_offset": False,
            "media_scan_sampling_duration": 0,
            "image_display_duration": 1,
            "close_behaviors_between_videos": False,
            "media_info": {
                "length": {media: _not_below(max(info.duration_s, ctx.timeline.duration()))},
                "fps": {media: info.fps},
                "hasVideo": {media: True},
                "hasAudio": {media: audio},
                "offset": {"1": 0.0},
            },
        }

    return observation


@dataclass(frozen=True)
class _Observation:
    name: str
    kind: str
    media: tuple[str, ...]
    """Player 1's media files."""
    annotator: str | None
    origin: str
    offset: float
    events: list[tuple[int, float, str, str, str]]
    """(position in the file, time, subject, code, modifier)."""


class BorisProjectFile:
    """A ``.boris`` file, read and checked in full; :meth:`spans` picks the observations of one video."""

    def __init__(self, path: Path) -> None:
        self.path = path
        document = _load(path)
        self.states = _state_codes(document.get("behaviors_conf"), path)
        self.observations = [_observation(name, obs) for name, obs in _observations(document, path).items()]

    def spans(self, media: Path) -> tuple[list[Incoming], list[Skipped], dict[str, Any]]:
        """The state events of this video's observations as spans; what was left out and why; counts."""
        items: list[Incoming] = []
        skipped: list[Skipped] = []
        points = events = read = 0
        others: set[str] = set()
        for obs in self.observations:
            reason = self._left_out(obs, media.name)
            if reason:
                skipped.append(Skipped(f"observation {obs.name!r}", reason))
                if obs.kind == "MEDIA" and obs.origin != MODEL_ORIGIN:
                    others.update(_file_name(m) for m in obs.media)
                continue
            read += 1
            events += len(obs.events)
            found, point_events = self._pair(obs)
            items.extend(found)
            points += point_events
        if others and not read:
            raise InteropError(
                f"No observation in {self.path.name} is of {media.name} (its observations play "
                f"{', '.join(sorted(others))}); observations are matched to the video by file name."
            )
        if points:
            skipped.append(Skipped(f"{points} point event{'s' if points != 1 else ''}", "no duration"))
        info = {"format": "boris", "layout": "project", "observations_read": read, "events_read": events,
                "state_events": len(items)}  # fmt: skip
        return sorted(items, key=lambda i: i.start), skipped, info

    @staticmethod
    def _left_out(obs: _Observation, media_name: str) -> str | None:
        if obs.kind != "MEDIA":
            return f"a {obs.kind.lower()} observation, not coded on a video"
        if obs.origin == MODEL_ORIGIN:
            return "the model's labels, not corrections"
        names = [_file_name(m).casefold() for m in obs.media]
        if media_name.casefold() not in names:
            return f"of another media file ({', '.join(_file_name(m) for m in obs.media) or 'none'})"
        if len(names) > 1:
            return "plays several media files one after another; make one observation per video"
        return None

    def _pair(self, obs: _Observation) -> tuple[list[Incoming], int]:
        """State events paired per subject, behaviour and modifier, in time order, as BORIS pairs them."""
        open_events: dict[tuple[str, str, str], float] = {}
        items: list[Incoming] = []
        points = 0
        for _, time, subject, code, modifier in sorted(obs.events, key=lambda e: (e[1], e[0])):
            if code not in self.states:
                points += 1
                continue
            key = (subject, code, modifier)
            if key not in open_events:
                open_events[key] = time
                continue
            start = open_events.pop(key) - obs.offset
            who = subject or NO_SUBJECT
            where = f"Observation {obs.name!r}, {who} at {format_timecode(start)}"
            items.append(Incoming(who, (who,), obs.annotator, start, time - obs.offset, code, where, "subject",
                                  default_annotator=obs.name))  # fmt: skip
        if open_events:
            (subject, code, _), time = min(open_events.items(), key=lambda kv: kv[1])
            raise InteropError(
                f"Observation {obs.name!r}: {subject or NO_SUBJECT} starts {code!r} at "
                f"{format_timecode(time - obs.offset)} and never stops (an unpaired state event); "
                "stop it in BORIS and export again."
            )
        return items, points


def _load(path: Path) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise read_failure(path, exc) from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise InteropError(f"{path.name} is a damaged compressed BORIS project ({exc}).") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # BORIS writes with the platform's encoding
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InteropError(
            f"{path.name} is not a BORIS project: its JSON breaks off at line {exc.lineno}, column {exc.colno} "
            f"({exc.msg}); nothing was imported."
        ) from None
    if not isinstance(document, dict) or not isinstance(document.get("observations"), dict):
        raise InteropError(
            f"{path.name} is not a BORIS project: it has no observations (in BORIS: File > Save project as)."
        )
    return document


def _state_codes(conf: object, path: Path) -> set[str]:
    if not isinstance(conf, dict):
        raise InteropError(f"{path.name} is not a BORIS project: it has no ethogram (behaviors_conf).")
    codes: set[str] = set()
    for key, behaviour in conf.items():
        if not isinstance(behaviour, dict) or not isinstance(behaviour.get("code"), str):
            raise InteropError(f"{path.name}: ethogram entry {key!r} has no behaviour code.")
        if "STATE" in str(behaviour.get("type", "")).upper():  # utilities.state_behavior_codes
            codes.add(behaviour["code"])
    return codes


def _observations(document: dict[str, Any], path: Path) -> dict[str, dict[str, Any]]:
    observations: dict[str, dict[str, Any]] = document["observations"]
    for name, obs in observations.items():
        if not isinstance(obs, dict) or not isinstance(obs.get("events"), list):
            raise InteropError(f"{path.name}: observation {name!r} has no list of events.")
    return observations


def _observation(name: str, obs: dict[str, Any]) -> _Observation:
    kind = str(obs.get("type", "")).upper()
    files = obs.get("file")
    media = files.get("1", []) if isinstance(files, dict) else []
    if not isinstance(media, list) or not all(isinstance(m, str) for m in media):
        raise InteropError(f"Observation {name!r}: its media files are not a list of paths.")
    variables = obs.get("independent_variables") or {}
    if not isinstance(variables, dict):
        raise InteropError(f"Observation {name!r}: its independent variables are not a table.")
    named = {str(k).strip().casefold(): v for k, v in variables.items()}
    annotator = next((str(named[k]).strip() for k in _ANNOTATOR_VARIABLES if str(named.get(k) or "").strip()), None)
    origin = str(named.get(ORIGIN.casefold()) or "").strip().casefold()
    offset = _number(obs.get("time offset", 0) or 0, f"Observation {name!r}: the time offset")
    events = list(_events_of(name, obs["events"])) if kind == "MEDIA" else []  # images may have no times (NaN)
    return _Observation(name, kind, tuple(media), annotator, origin, offset, events)


def _events_of(name: str, events: Sequence[object]) -> Iterable[tuple[int, float, str, str, str]]:
    for at, event in enumerate(events):
        where = f"Observation {name!r}, event {at + 1}"
        if not isinstance(event, list) or len(event) < 3:
            raise InteropError(f"{where} is not [time, subject, behaviour, ...]: {event!r:.80}.")
        time, subject, code = event[0], event[1], event[2]
        modifier = event[3] if len(event) > 3 else ""
        if not isinstance(subject, str) or not isinstance(code, str) or not isinstance(modifier, str):
            raise InteropError(f"{where} has a subject, behaviour or modifier that is not text: {event!r:.80}.")
        yield at, _number(time, f"{where}: the time"), subject.strip(), code.strip(), modifier


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InteropError(f"{what} {value!r} is not a number of seconds.")
    try:
        number = float(value)
    except ValueError:
        raise InteropError(f"{what} {value!r} is not a number of seconds.") from None
    if not math.isfinite(number):
        raise InteropError(f"{what} is missing (NA).")
    return number


def _not_below(seconds: float) -> float:
    """``seconds`` to the millisecond, as a float whose exact value is not below that millisecond.

    BORIS compares event times, rounded to ``Decimal("0.001")``, with ``Decimal(length)`` of the
    float length: 2.065 is 2.06499999... as a float, and a STOP at the very end would fall outside.
    """
    rounded = round(seconds, 3)
    return rounded if Decimal(rounded) >= Decimal(f"{rounded:.3f}") else math.nextafter(rounded, math.inf)


def _file_name(path: str) -> str:
    """The file name of a path written on any system (BORIS keeps Windows paths as written)."""
    return re.split(r"[\\/]", path.rstrip("\\/"))[-1]
