"""*Why this label?* for one person at one frame of an analysed video.

    with FaceExplainer("study.lepton", "talk.mp4") as why:
        expl = why.explain(frame=120, track=1)
        print(expl.top(3), expl.lstm_part())

Uses the newest finished analysis of the video (or the run asked for) and the model version it
ran with: the aligned face crop exactly as the model saw it (the stored landmarks, the same
aligner), a Grad-CAM saliency map for the chosen class, the three likeliest classes, the CNN's
probabilities beside the final (CNN + LSTM) ones stored by the analysis, and the facial actions
(stored with the run, or read now from the same crop the analysis would use).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from lepton_desktop.core.actions import ACTION_NAMES, EXPRESSIVE, arousal, valence
from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.core.errors import LeptonError
from lepton_desktop.core.predictions import TrackPredictions
from lepton_desktop.services.engine import get_engine
from lepton_desktop.services.models import version_weights
from lepton_desktop.store import Project, open_project
from lepton_desktop.video import VideoReader
from lepton_desktop.vision.actions import ActionReader, face_crop
from lepton_desktop.vision.align import MODEL_INPUT, FaceGeometry, aligned_crop, to_gray

log = logging.getLogger(__name__)

COLOR_SIZE = 192
"""Side of the colour face crop shown beside the heat map (the same alignment, more pixels)."""


class ExplainError(LeptonError):
    """There is nothing to explain (no analysis, no such person or frame)."""


@dataclass(frozen=True, eq=False)
class Explanation:
    """Why one person's face at one frame got its label."""

    frame: int
    track: int
    """Person number (the ``track`` column of ``lepton analyze --csv``)."""
    name: str
    run_id: int
    model_version_id: int | None
    face: npt.NDArray[np.uint8]
    """(64, 64) gray: the model's input."""
    face_color: npt.NDArray[np.uint8]
    """(COLOR_SIZE, COLOR_SIZE, 3) RGB, the same alignment."""
    heat: npt.NDArray[np.float32]
    """(64, 64) Grad-CAM map for :attr:`label`, 0..1."""
    final: npt.NDArray[np.float32]
    """The analysis's stored probabilities (CNN + LSTM)."""
    cnn: npt.NDArray[np.float32]
    """The CNN's own probabilities for this crop."""
    actions: npt.NDArray[np.float32] | None
    """(52,) facial actions, NaN if the landmarker found no face; None if they cannot be read here."""
    actions_stored: bool

    @property
    def label(self) -> str:
        """The chosen class: the final probabilities' largest."""
        return EMOTIONS[int(np.argmax(self.final))]

    def top(self, count: int = 3) -> list[tuple[str, float]]:
        """The ``count`` likeliest classes with their final probabilities."""
        order = np.argsort(-self.final, kind="stable")[:count]
        return [(EMOTIONS[int(i)], float(self.final[i])) for i in order]

    def lstm_part(self) -> dict[str, float]:
        """Per class, final minus CNN-only probability: what the LSTM added (+) or took away (-)."""
        return {e: float(f - c) for e, f, c in zip(EMOTIONS, self.final, self.cnn, strict=True)}

    def lstm_words(self) -> str:
        """What the LSTM did here, in a few words: its largest change, or that it adds nothing."""
        name, delta = max(self.lstm_part().items(), key=lambda kv: abs(kv[1]))
        if round(delta, 2) == 0:
            return "the LSTM adds nothing (not fine-tuned)"
        return f"the LSTM changed {name} by {delta:+.2f}"

    def active_actions(self, count: int = 5) -> list[tuple[str, float]]:
        """The ``count`` strongest expressive facial actions at this frame."""
        if self.actions is None or np.isnan(self.actions).any():
            return []
        values = np.where(EXPRESSIVE, self.actions, -1.0)
        order = np.argsort(-values, kind="stable")[:count]
        return [(ACTION_NAMES[int(i)], float(self.actions[i])) for i in order]

    @property
    def valence(self) -> float:
        """Happy minus the strongest negative emotion (core.actions)."""
        return float(valence(self.final[None])[0])

    @property
    def arousal(self) -> float | None:
        """Mean of the five strongest expressive actions, if actions are known."""
        return None if self.actions is None else float(arousal(self.actions[None])[0])

    def to_json(self) -> dict[str, Any]:
        """What ``lepton explain --json`` prints."""
        from lepton_desktop.vision.explain import lower_share

        aro = self.arousal
        return {
            "frame": self.frame,
            "track": self.track,
            "name": self.name,
            "run": self.run_id,
            "model_version": self.model_version_id,
            "label": self.label,
            "top": [{"emotion": e, "probability": round(p, 4)} for e, p in self.top(3)],
            "final": {e: round(float(p), 4) for e, p in zip(EMOTIONS, self.final, strict=True)},
            "cnn_only": {e: round(float(p), 4) for e, p in zip(EMOTIONS, self.cnn, strict=True)},
            "lstm_part": {e: round(v, 4) + 0.0 for e, v in self.lstm_part().items()},  # no -0.0
            "saliency_lower_face_share": round(lower_share(self.heat), 3),
            "valence": round(self.valence, 4),
            "arousal": None if aro is None or np.isnan(aro) else round(aro, 4),
            "actions": [{"action": a, "value": round(v, 4)} for a, v in self.active_actions(5)],
            "actions_source": "stored" if self.actions_stored else "read now" if self.actions is not None else None,
        }


def _geometry(pred: TrackPredictions, row: int) -> FaceGeometry:
    x, y, w, h = (float(v) for v in pred.boxes[row])
    if pred.landmarks is not None:
        marks = pred.landmarks[row]
    else:  # runs stored before landmarks were kept: an upright face filling its box
        points = [(0.3, 0.4), (0.7, 0.4), (0.5, 0.6), (0.35, 0.8), (0.65, 0.8)]
        marks = np.array([(x + a * w, y + b * h) for a, b in points], np.float32)
    return FaceGeometry(np.array([x, y, x + w, y + h], np.float32), np.asarray(marks, np.float32))


class FaceExplainer:
    """Explanations for one video of a project; keeps the video, the run and the model open between calls.

    Not thread-safe: use it from one thread (the GUI's panel keeps one on its worker thread).
    """

    def __init__(self, project: str | Path, video: str | Path, *, run_id: int | None = None, device: str = "cpu"):
        self.reader = VideoReader(video)
        try:
            self.project: Project = open_project(project)
        except BaseException:
            self.reader.close()
            raise
        try:
            self._bind(run_id, device)
        except BaseException:
            self.close()
            raise
        self._actions: ActionReader | None = None
        self._actions_failed = False

    def _bind(self, run_id: int | None, device: str) -> None:
        record = self.project.videos.by_fingerprint(self.reader.fingerprint)
        if record is None:
            raise ExplainError(f"{self.reader.path.name} is not in this project; analyse it first.")
        runs = [r for r in self.project.runs.list_runs(record.id) if r.status == "done"]
        if run_id is not None:
            runs = [r for r in runs if r.id == run_id]
        if not runs:
            raise ExplainError(f"{self.reader.path.name} has no finished analysis in this project; analyse it first.")
        self.run = runs[-1]
        self.tracks = {t.number: t for t in self.project.runs.tracks(self.run.id)}
        self._predictions: dict[int, TrackPredictions] = {}
        version = None
        if self.run.model_version_id is not None:
            version = self.project.model_versions.get(self.run.model_version_id)
        engine = get_engine(device, version_weights(version, self.project) if version is not None else None)
        from lepton_desktop.vision.explain import Explainer  # torch: loaded when asked, not with the app

        self.explainer = Explainer(engine.model)

    def predictions(self, track: int) -> TrackPredictions:
        """Stored rows of person ``track`` (cached)."""
        if track not in self._predictions:
            self._predictions[track] = self.project.runs.predictions(self.tracks[track].id)
        return self._predictions[track]

    def people_at(self, frame: int) -> list[int]:
        """Person numbers whose face was found at ``frame``."""
        out = []
        for number in sorted(self.tracks):
            frames = self.predictions(number).frames
            k = int(np.searchsorted(frames, frame))
            if k < frames.size and frames[k] == frame:
                out.append(number)
        return out

    def explain(self, frame: int, track: int | None = None) -> Explanation:
        """Why person ``track`` (default: the first person seen there) got their label at ``frame``."""
        if not 0 <= frame < self.reader.frame_count:
            raise ExplainError(f"frame {frame} is outside the video (0..{self.reader.frame_count - 1}).")
        if track is not None and track not in self.tracks:
            known = ", ".join(str(n) for n in sorted(self.tracks)) or "none"
            raise ExplainError(f"the analysis has no person {track} (people: {known}).")
        people = self.people_at(frame)
        if track is None:
            if not people:
                raise ExplainError(f"no face was found at frame {frame}.")
            track = people[0]
        pred = self.predictions(track)
        row = int(np.searchsorted(pred.frames, frame))
        if row >= pred.frames.size or pred.frames[row] != frame:
            raise ExplainError(f"person {track}'s face was not found at frame {frame}.")
        face = _geometry(pred, row)
        rgb = self.reader.frame(frame)
        gray = aligned_crop(to_gray(rgb), face, MODEL_INPUT)
        final = pred.probs[row].astype(np.float32)
        # With a head that adds nothing the analysis's own CNN reading is the stored one (in int8 on the
        # CPU), and reading the face again in float32 would show a difference the LSTM did not make.
        cnn = final.copy() if self.explainer.head_adds_nothing else self.explainer.cnn_probs(gray)
        heat = self.explainer.saliency(gray, int(np.argmax(final)))
        actions = None if pred.actions is None else pred.actions[row].astype(np.float32)
        stored = actions is not None
        if actions is None:
            reader = self._action_reader()
            if reader is not None:
                actions = reader.read([face_crop(rgb, face.box)])[0]
        return Explanation(
            frame, track, self.tracks[track].display_name, self.run.id, self.run.model_version_id, gray,
            aligned_crop(rgb, face, COLOR_SIZE), heat, final, cnn, actions, stored,
        )  # fmt: skip

    def _action_reader(self) -> ActionReader | None:
        if self._actions is None and not self._actions_failed:
            try:
                self._actions = ActionReader()
            except Exception as exc:  # no mediapipe, no stderr, a broken install: the rest still works
                log.info("facial actions unavailable for explanations: %s", exc)
                self._actions_failed = True
        return self._actions

    def close(self) -> None:
        """Release the video, the project and the landmarker."""
        actions = getattr(self, "_actions", None)
        if actions is not None:
            actions.close()
        project = getattr(self, "project", None)
        if project is not None:
            project.close()
        self.reader.close()

    def __enter__(self) -> FaceExplainer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
