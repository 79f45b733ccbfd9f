"""Labelling in the main window: selection, labels, undo, proposals, review (a mixin of MainWindow)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QUndoStack
from PySide6.QtWidgets import QInputDialog, QMenu, QMessageBox

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.core.errors import LeptonError
from lepton_desktop.core.labels import covering, propose_segments
from lepton_desktop.core.validate import clean_name
from lepton_desktop.gui.corrections import (
    AddCorrection,
    RemoveCorrection,
    ReplaceCorrection,
    SplitCorrection,
    StoreCommand,
)
from lepton_desktop.services.corrections import no_face_warning
from lepton_desktop.services.settings import save_settings

if TYPE_CHECKING:
    from lepton_desktop.gui.main_window import MainWindow as _Base
else:
    _Base = object


class LabellingMixin(_Base):
    """Corrections behaviour; every action is committed through CorrectionsModel before it shows."""

    def _build_edit_menu(self, edit: QMenu) -> None:
        self.undo_action = self.undo_group.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence("Ctrl+Z"))
        self.redo_action = self.undo_group.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for action in (self.undo_action, self.redo_action):
            edit.addAction(action)
            self.addAction(action)
        edit.addSeparator()
        select = edit.addMenu("&Selection")
        self._action(select, "Mark &in at playhead", QKeySequence("I"), self.mark_in)
        self._action(select, "Mark &out at playhead", QKeySequence("O"), self.mark_out)
        self._action(select, "&Clear selection", QKeySequence(Qt.Key.Key_Escape), self.timeline.clear_selection)
        label = edit.addMenu("&Label selection")
        for k, name in enumerate(EMOTIONS, start=1):
            self._action(
                label, name.capitalize(), QKeySequence(str(k)), lambda _c=False, n=name: self.label_selection(n)
            )
        edit.addSeparator()
        fix = edit.addMenu("&Corrections")
        self._action(fix, "&Accept the model's proposal at playhead", QKeySequence("A"), self.accept_proposal)
        self._action(fix, "&Delete correction at playhead", QKeySequence(Qt.Key.Key_Delete), self.delete_at_playhead)
        self._action(fix, "&Split correction at playhead", QKeySequence("S"), self.split_at_playhead)
        self._action(
            fix, "&Trim the chosen correction to the selection", QKeySequence(Qt.Key.Key_Return), self.trim_to_selection
        )
        fix.addSeparator()
        self._action(fix, "&Next correction", QKeySequence("Alt+Right"), lambda: self.jump_correction(1))
        self._action(fix, "&Previous correction", QKeySequence("Alt+Left"), lambda: self.jump_correction(-1))
        fix.addSeparator()
        self._action(fix, "Re&fresh corrections", QKeySequence("F5"), self.corrections.reload)
        review = edit.addMenu("&Review")
        self._action(review, "Cycle &review status of the person", QKeySequence("R"), self.cycle_review)
        self.mine_action = self._action(
            review, "Show only &my corrections", QKeySequence("M"), lambda: self._corrections_changed()
        )
        self.mine_action.setCheckable(True)
        self._action(review, "Switch corrections &layer (all, then each annotator)", QKeySequence("L"), self.next_layer)
        self._action(review, "Annotator a&greement…", QKeySequence("Ctrl+K"), self.show_agreement)
        review.addSeparator()
        self.review.add_actions(review)
        edit.addSeparator()
        self._action(edit, "Set &annotator name…", QKeySequence(), self.ask_annotator)

    # -- corrections ------------------------------------------------------------------

    def _attach_corrections(self) -> None:
        key = (str(self.project), self.fingerprint or "")
        stack = self._undo_stacks.get(key)
        if stack is None:  # one undo history per video and project; switching never undoes elsewhere
            stack = self._undo_stacks[key] = QUndoStack(self.undo_group)
        self.undo_group.setActiveStack(stack)
        video_id, self.review_status = None, {}
        try:  # the project the corrections model keeps open: no new connection on the GUI thread
            proj = self.corrections.use(self.project)
            record = proj.videos.by_fingerprint(self.fingerprint) if self.fingerprint else None
            video_id = None if record is None else record.id
            self.review_status = {n: proj.runs.review(t) for n, t in self.results.track_ids.items()}
        except LeptonError:
            pass
        self.corrections.attach(self.project, video_id, self.frame_count, self.results.track_ids)
        for number, status in self.review_status.items():
            self.people.set_status(number, status)

    def _corrections_changed(self, tracks: set[int] | None = None, added=None) -> None:  # type: ignore[no-untyped-def]
        number_of = {tid: n for n, tid in self.results.track_ids.items()}
        only = self.settings.annotator if self.mine_action.isChecked() else self.layer
        for number, track_id in self.results.track_ids.items():
            if tracks is None or track_id in tracks:
                self.timeline.set_corrections(number, self.corrections.labels(track_id, only))
        if added is not None:  # one new row: insert it, do not rebuild thousands
            number = number_of.get(added.track_id)
            if number is not None and (only is None or added.annotator == only):
                self.corrections_panel.add_row((number, self.results.names.get(number, f"Person {number}"),
                                                added.start_frame, added.end_frame, added.label, added.annotator,
                                                added.origin))  # fmt: skip
            self._update_overlay()
            return
        self._update_overlay()  # the video shows the human label inside corrected ranges
        rows = []
        for c in self.corrections.items:
            number = number_of.get(c.track_id)
            if number is None or (only is not None and c.annotator != only):
                continue
            rows.append((number, self.results.names.get(number, f"Person {number}"), c.start_frame, c.end_frame,
                         c.label, c.annotator, c.origin))  # fmt: skip
        rows.sort(key=lambda r: (r[0], r[2]))
        self.corrections_panel.show_corrections(rows)

    def _jump_to_correction(self, number: int, frame: int) -> None:
        self.timeline.activate(number)
        self.pause()
        self.seek(frame)
        track_id = self.results.track_ids.get(number)
        chosen = [c for c in self.corrections.items if c.track_id == track_id and c.start_frame == frame]
        if chosen:  # its range becomes the selection: drag the edges, then Enter trims
            self.editing = max(chosen, key=lambda c: c.id)
            self.timeline.select(number, self.editing.start_frame, self.editing.end_frame)

    def next_layer(self) -> None:
        """Show everyone's corrections, then each annotator's in turn."""
        names = sorted({c.annotator for c in self.corrections.items})
        order: list[str | None] = [None, *names]
        self.layer = order[(order.index(self.layer) + 1) % len(order)] if self.layer in order else None
        self.corrections_panel.show_layer(self.layer)
        self._corrections_changed()

    def trim_to_selection(self) -> None:
        """Replace the correction chosen in the panel by the same label over the selected range."""
        sel = self.timeline.selection
        target = self.editing
        if target is None or sel is None or self.results.track_ids.get(sel[0]) != target.track_id:
            self.statusBar().showMessage(
                "Choose a correction in the Corrections panel, adjust the selection, then press Enter.", 6000
            )
            return
        if (sel[1], sel[2]) == (target.start_frame, target.end_frame):
            return
        self.undo_group.activeStack().push(ReplaceCorrection(self.corrections, target, sel[1], sel[2]))
        self.editing = None

    def _selection_changed(self) -> None:
        sel = self.timeline.selection
        if sel is not None:
            number, first, last = sel
            self.statusBar().showMessage(
                f"Selected {self.results.names.get(number)} frames {first}–{last}: press 1–7 to label", 6000
            )

    def ask_annotator(self) -> bool:
        """Ask for the annotator's name (stored in the settings); False if none was given."""
        name, ok = QInputDialog.getText(
            self, "Annotator", "Your name, recorded with every correction:", text=self.settings.annotator
        )
        self.activateWindow()  # keys (Ctrl+R, labels) go to the window at once, with or without a window manager
        if ok and name.strip():
            try:
                clean = clean_name(name, "Your name")
            except ValueError as exc:
                self._error("That name cannot be used", f"{str(exc)[0].upper()}{str(exc)[1:]}.")
                return False
            self.settings.annotator = clean
            save_settings(self.settings)
            return True
        return False

    def _active_person(self) -> int | None:
        if self.timeline.active is not None:
            return self.timeline.active
        visible = [n for n, _, _ in self.results.at(self.current)]
        return visible[0] if visible else (self.results.people()[0] if self.results.people() else None)

    def mark_in(self) -> None:
        """Start a selection at the playhead for the active person."""
        number = self._active_person()
        if number is None:
            self.statusBar().showMessage("Analyse the video first: corrections label a person.", 6000)
            return
        self._mark_in = self.current
        sel = self.timeline.selection
        last = sel[2] if sel is not None and sel[0] == number and sel[2] >= self.current else self.current
        self.timeline.select(number, self.current, last)

    def mark_out(self) -> None:
        """End the selection at the playhead."""
        number = self._active_person()
        if number is None:
            return
        sel = self.timeline.selection
        first = (
            sel[1]
            if sel is not None and sel[0] == number
            else (self._mark_in if self._mark_in is not None else self.current)
        )
        self.timeline.select(number, min(first, self.current), max(first, self.current))

    def label_selection(self, label: str) -> None:
        """Label the selected range of the selected person, committed at once (undoable)."""
        sel = self.timeline.selection
        if sel is None:
            self.statusBar().showMessage(
                "Select a range first: Shift+drag on a person's timeline, or I and O at the playhead.", 6000
            )
            return
        number, first, last = sel
        track_id = self.results.track_ids.get(number)
        if track_id is None:
            return
        if not self.settings.annotator and not self.ask_annotator():
            return
        if not self._stored(AddCorrection(self.corrections, track_id, first, last, label, self.settings.annotator)):
            return
        name = self.results.names.get(number, f"Person {number}")
        boxes = self.results.boxes.get(number)
        missing = 0 if boxes is None else int(np.isnan(boxes[first : last + 1, 0]).sum())
        warning = no_face_warning(name, first, last, missing)
        if warning:
            self.statusBar().showMessage(f"Labelled {first}–{last} {label} (saved). {warning}", 10000)
            return
        self.statusBar().showMessage(f"Labelled {name} {first}–{last} {label} (saved)", 4000)

    def delete_at_playhead(self) -> None:
        """Delete (tombstone) the newest correction of the active person that covers the playhead."""
        newest = self._covering_correction()
        if newest is None:
            self.statusBar().showMessage("No correction of this person at the playhead.", 4000)
            return
        if self._stored(RemoveCorrection(self.corrections, newest)):
            number = self._active_person()
            name = self.results.names.get(number, f"Person {number}")
            self.statusBar().showMessage(
                f"Deleted {name} {newest.start_frame}–{newest.end_frame} {newest.label} (Ctrl+Z brings it back)", 6000
            )

    def _stored(self, command: StoreCommand) -> bool:
        """Push ``command`` on the undo stack; False when the project refused it (a message box said why)."""
        refused = self.corrections.failures
        self.undo_group.activeStack().push(command)
        return self.corrections.failures == refused

    def _covering_correction(self):  # type: ignore[no-untyped-def]
        """The newest correction of the active person that covers the playhead, or None."""
        number = self._active_person()
        track_id = self.results.track_ids.get(number) if number is not None else None
        hits = [
            c for c in self.corrections.items if c.track_id == track_id and c.start_frame <= self.current <= c.end_frame
        ]
        return max(hits, key=lambda c: (c.created_at, c.id)) if hits else None

    def split_at_playhead(self) -> None:
        """Split the correction under the playhead into two, the second starting here."""
        target = self._covering_correction()
        if target is None or not target.start_frame < self.current <= target.end_frame:
            self.statusBar().showMessage(
                "Put the playhead inside a correction (after its first frame) to split it.", 5000
            )
            return
        self.undo_group.activeStack().push(SplitCorrection(self.corrections, target, self.current))

    def accept_proposal(self) -> None:
        """Accept the model's smoothed segment under the playhead as a correction (origin: accepted)."""
        number = self._active_person()
        if number is None or number not in self.results.probs:
            return
        segment = covering(propose_segments(self.results.probs[number]), self.current)
        if segment is None:
            self.statusBar().showMessage("The model proposes nothing for this person here.", 5000)
            return
        if not self.settings.annotator and not self.ask_annotator():
            return
        track_id = self.results.track_ids[number]
        accepted = AddCorrection(
            self.corrections, track_id, segment.start, segment.end, segment.label, self.settings.annotator, "accepted"
        )
        if self._stored(accepted):
            self.statusBar().showMessage(f"Accepted {segment.label} for frames {segment.start}–{segment.end}", 4000)

    def jump_correction(self, direction: int) -> None:
        """Go to the start of the next (or previous) correction of the active person."""
        number = self._active_person()
        track_id = self.results.track_ids.get(number) if number is not None else None
        starts = sorted({c.start_frame for c in self.corrections.items if c.track_id == track_id})
        later = [f for f in starts if (f > self.current if direction > 0 else f < self.current)]
        if later:
            self.pause()
            self.seek(later[0] if direction > 0 else later[-1])

    def cycle_review(self) -> None:
        """Not started -> in progress -> done, for the active person (stored at once)."""
        from lepton_desktop.store import open_project

        number = self._active_person()
        track_id = self.results.track_ids.get(number) if number is not None else None
        if track_id is None:
            return
        order = ("not_started", "in_progress", "done")
        with open_project(self.project) as proj:
            now = order[(order.index(proj.runs.review(track_id)) + 1) % 3]
            proj.runs.set_review(track_id, now, self.settings.annotator or None)
        self.review_status[number] = now
        self.people.set_status(number, now)
        self.review.refresh_soon()  # a person marked done leaves the "not yet reviewed" items
        self.statusBar().showMessage(f"{self.results.names.get(number)}: review {now.replace('_', ' ')}", 4000)

    def show_agreement(self) -> None:
        """Agreement and Cohen's kappa of the two annotators on this video."""
        from lepton_desktop.services.corrections import agreement, find_video
        from lepton_desktop.store import open_project

        if self.video_path is None:
            return
        try:
            with open_project(self.project) as proj:
                report = agreement(proj, find_video(proj, self.video_path))
        except LeptonError as exc:  # not an error: there is nothing to compare yet
            box = QMessageBox(QMessageBox.Icon.Information, "No agreement to show", str(exc),
                              QMessageBox.StandardButton.Ok, self)  # fmt: skip
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
            self.last_info = box
            return
        r = report.result
        text = (
            f"{report.annotators[0]} and {report.annotators[1]} both labelled {r.frames} frames.\n\n"
            f"Agreement: {r.agreement:.1%}\nCohen's kappa: {r.kappa:.3f}"
        )
        box = QMessageBox(
            QMessageBox.Icon.Information, "Annotator agreement", text, QMessageBox.StandardButton.Ok, self
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.last_info = box
