"""Projects and analysis in the main window: new/open project, run and cancel analysis (a mixin of MainWindow)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFileDialog

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.core.paths import user_log_dir
from lepton_desktop.core.words import people as count_people
from lepton_desktop.gui.memory import settle_memory
from lepton_desktop.gui.project_binding import bind_project
from lepton_desktop.gui.worker import GeneratorWorker
from lepton_desktop.services.analysis import analyze_video, default_project, rename_person
from lepton_desktop.services.settings import save_settings
from lepton_desktop.vision.analyzer import AnalysisSettings

if TYPE_CHECKING:
    from lepton_desktop.gui.main_window import MainWindow as _Base
else:
    _Base = object

PROJECT_FILTER = "Lepton projects (*.lepton);;All files (*)"


class AnalysisMixin(_Base):
    """Which project results go to, and the background analysis of the open video."""

    # -- projects ---------------------------------------------------------------------

    @property
    def project(self) -> str | Path:
        """The project in use (the per-user default unless one was chosen)."""
        return self.settings.project or default_project()

    def new_project_dialog(self) -> None:
        """Create a project file and switch to it."""
        path, _ = QFileDialog.getSaveFileName(self, "New project", "study.lepton", PROJECT_FILTER)
        if path:
            from lepton_desktop.services.projects import init_project

            try:
                init_project(path)
            except LeptonError as exc:
                self._error("The project cannot be created", str(exc))
                return
            self._use_project(path)

    def open_project_dialog(self) -> None:
        """Switch to an existing project file."""
        path, _ = QFileDialog.getOpenFileName(self, "Open project", "", PROJECT_FILTER)
        if path:
            self._use_project(path)

    def _use_project(self, path: str) -> None:
        from lepton_desktop.services.projects import summarise

        if self._worker is not None and self._worker.is_running():  # its results go to the project it began in
            self._error("An analysis is running", "Cancel the running analysis before switching projects.")
            return
        try:
            summarise(path)
        except LeptonError as exc:
            self._error("The project cannot be opened", str(exc))
            return
        self.settings.project = path
        save_settings(self.settings)
        bind_project(self)
        self.statusBar().showMessage(f"Project: {path}", 8000)

    # -- analysis ---------------------------------------------------------------------

    def start_analysis(self, model_version: int | None = None) -> None:
        """Analyse the open video on a worker thread (with the active model unless told); curves fill in."""
        if self.video_path is None:
            self._error("No video", "Open a video first (File > Open, Ctrl+O).")
            return
        if self._worker is not None and self._worker.is_running():
            return
        video, project = self.video_path, self.project
        settings = AnalysisSettings(stride=self.settings.stride, actions=self.settings.actions)
        device = self.settings.device
        self.results.clear(self.frame_count)
        self._analysis_settled = False
        self._analysis_state = ""

        def job(should_stop):  # type: ignore[no-untyped-def]
            return analyze_video(
                video,
                project=project,
                settings=settings,
                device=device,
                force=True,
                should_stop=should_stop,
                model_version=model_version,
            )

        self._worker = GeneratorWorker(job, self)
        self._worker.step.connect(self._analysis_step)
        self._worker.failed.connect(self._analysis_failed)
        self._worker.done.connect(lambda: self._analysis_running(False))
        self._worker.done.connect(self.review.refresh_soon)
        self._worker.failed.connect(lambda *_: self.review.refresh_soon())
        self._analysis_running(True)
        self.analysis.status.setText("Starting: loading the models…")
        self._worker.start()

    def cancel_analysis(self) -> None:
        """Stop the running analysis (what was computed so far stays in the project)."""
        if self._worker is not None:
            self._worker.stop()
            self.analysis.status.setText("Cancelling…")

    def _analysis_running(self, on: bool) -> None:
        self.analysis.running(on)
        if on:
            self.timeline.set_empty_text("Analysing: each person appears here as soon as their face is found.")
        elif not self.results.people() and self._analysis_state == "done":
            self.timeline.set_empty_text("No faces were found in this video.")
        else:
            self.timeline.set_empty_text()
        self.analyse_action.setEnabled(not on)
        self.cancel_action.setEnabled(on)
        if on:  # the analysis needs the cores more than the fast-seeking copy does
            self.proxy_job.pause()
        else:
            self.proxy_job.resume()
        if on:
            self.docks["analysis"].raise_()

    def _analysis_step(self, step) -> None:  # type: ignore[no-untyped-def]
        if not self._analysis_settled:  # the models and the decoder are loaded now: they live long
            self._analysis_settled = True
            settle_memory(collect=False)
        self.results.add_rows(step.rows, step.track_ids)
        self.analysis.show_progress(step.frames_done, step.total, step.fps, step.faces, step.device)
        self.status_device.setText(f"  device: {step.device}  ")
        if step.finished:
            self._analysis_state = step.state
            if step.state in ("done", "reused"):
                self.shown_version_id = step.model_version_id  # the version whose results the timeline shows
            self._attach_corrections()
            people = len(step.track_ids)
            words = {"done": "Analysis finished", "cancelled": "Analysis cancelled", "reused": "Stored analysis"}
            self.analysis.status.setText(
                f"{words.get(step.state, step.state)}: {count_people(people)}, "
                f"{step.frames_done}/{step.total} frames, {step.fps:.1f}\u00a0fps on {step.device}."
            )
            if step.state == "done" and not people:
                self.analysis.status.setText("Analysis finished: no faces were found in this video.")
            self.show_damage(step.damage)
            self.review.refresh_soon()

    def show_damage(self, damage: dict[str, Any] | None) -> None:
        """Say what of a damaged video has no results, and hatch those frames on the timelines."""
        self.timeline.set_damaged([] if damage is None else [tuple(r) for r in damage.get("ranges", [])])
        if damage is None:
            self.analysis.status.setToolTip("")
            return
        self.analysis.status.setText(self.analysis.status.text() + " Damaged file: some frames have no results.")
        self.analysis.status.setToolTip(damage["message"])
        self.statusBar().showMessage(damage["message"], 30000)

    def _analysis_failed(self, message: str, _trace: str) -> None:
        self._analysis_running(False)
        self.analysis.status.setText("Analysis failed.")
        self._error("The analysis failed", f"{message}\n\nThe details are in the log folder: {user_log_dir()}")

    # -- learning loop ----------------------------------------------------------------

    def ensure_default_project(self) -> None:
        """Make the per-user default project on first use, as Ctrl+R does; a chosen project must exist."""
        from lepton_desktop.services.projects import ensure_project

        if not self.settings.project:
            ensure_project(self.project)

    def _build_learning_menu(self, menu) -> None:  # type: ignore[no-untyped-def]
        from PySide6.QtGui import QKeySequence

        self._action(menu, "&Export dataset…", QKeySequence("Ctrl+Shift+E"), self.export_dialog)
        self._action(menu, "&Fine-tune…", QKeySequence("Ctrl+Shift+F"), self.finetune_dialog)
        self._action(menu, "&Model versions…", QKeySequence("Ctrl+Shift+M"), self.models_dialog)
        self._action(menu, "Stop &comparing versions", QKeySequence("Ctrl+Shift+C"), self.stop_comparing)

    def export_dialog(self) -> None:
        """Export the project's corrections as a fine-tuning dataset."""
        from lepton_desktop.gui.learning import ExportDialog

        try:
            self.ensure_default_project()
            dialog = ExportDialog(self.project, self)
        except LeptonError as exc:
            self._error("The project cannot be read", str(exc))
            return
        self._learning_dialog = dialog
        dialog.show()

    def finetune_dialog(self) -> None:
        """Fine-tune the active model on an exported dataset."""
        from lepton_desktop.gui.learning import ExportDialog, FineTuneDialog

        previous = getattr(self, "_learning_dialog", None)
        dataset = previous.output.text() if isinstance(previous, ExportDialog) and previous.summary else ""
        try:
            self.ensure_default_project()  # a fine-tuned version is registered in the project
        except LeptonError as exc:
            self._error("The project cannot be read", str(exc))
            return
        self._learning_dialog = FineTuneDialog(self.project, dataset, self)
        self._learning_dialog.show()

    def models_dialog(self) -> None:
        """List, activate, re-analyse with and compare model versions."""
        from lepton_desktop.gui.learning import ModelsDialog

        try:
            self.ensure_default_project()
            self._learning_dialog = ModelsDialog(self.project, self)
        except LeptonError as exc:
            self._error("The project cannot be read", str(exc))
            return
        self._learning_dialog.show()

    def compare_with(self, version_id: int) -> str:
        """Show another version's dominant emotions under each person's timeline; returns what happened."""
        from lepton_desktop.services.models import dominant_by_person, runs_by_version

        if self.fingerprint is None:
            return "Open a video first."
        if version_id == self.shown_version_id:
            return f"The timeline already shows version {version_id}: choose another version to compare with it."
        run_id = runs_by_version(self.project, self.fingerprint).get(version_id)
        if run_id is None:
            return f"Version {version_id} has not analysed this video yet: use Re-analyse first."
        self.timeline.set_compare(dominant_by_person(self.project, run_id, self.frame_count), f"v{version_id}")
        return f"Under each person: version {version_id}'s dominant emotion (Ctrl+Shift+C stops comparing)."

    def stop_comparing(self) -> None:
        """Hide the comparison bands."""
        self.timeline.set_compare(None)

    def _rename(self, number: int, name: str) -> None:
        track_id = self.results.track_ids.get(number)
        if track_id is None:
            return
        try:
            rename_person(self.project, track_id, name)
        except (LeptonError, ValueError) as exc:
            self._error("The name was not saved", str(exc))
            return
        self.results.rename(number, name)
        self.corrections_panel.rename_person(number, name)
