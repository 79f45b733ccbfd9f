"""Project-file errors, each with a sentence a user understands."""

from lepton_desktop.core.errors import LeptonError


class ProjectError(LeptonError):
    """Base class: this project cannot be used, and the message says why."""


class ProjectNotFoundError(ProjectError):
    """No project at that path (and we were not asked to create one)."""


class ProjectExistsError(ProjectError):
    """Creating a project where one (or another file) already is."""


class NotAProjectError(ProjectError):
    """The file is not a Lepton project (not SQLite, or another program's database)."""


class NewerProjectError(ProjectError):
    """The project was written by a newer Lepton Desktop; refusing to touch it."""


class RecordNotFoundError(ProjectError):
    """A video, run, track or correction id that is not in the project."""


class StorageError(ProjectError):
    """The database could not be written or read: a full disk, a failing disk, a read-only file, a lock."""
