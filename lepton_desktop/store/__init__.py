"""The project database (SQLAlchemy 2.0). ORM rows never leave this package."""

from lepton_desktop.store.database import Project, open_project
from lepton_desktop.store.errors import NewerProjectError, NotAProjectError, ProjectError, ProjectNotFoundError

__all__ = ["NewerProjectError", "NotAProjectError", "Project", "ProjectError", "ProjectNotFoundError", "open_project"]
