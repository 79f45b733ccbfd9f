"""Enter and Escape belong to the text field being typed in, not to the window's shortcuts.

The window's one-key shortcuts are window-wide (Enter trims a correction, Escape clears the
selection). Before a shortcut fires, Qt offers the key to the focused widget (a
ShortcutOverride event); a QLineEdit claims letters and digits but not Enter or Escape, so
without this an in-place editor (renaming a person) could never be confirmed or cancelled.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QWidget

TEXT_KEYS = frozenset({Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape})


class _ClaimTextKeys(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            plain = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier == Qt.KeyboardModifier.NoModifier
            if plain and event.key() in TEXT_KEYS:
                event.accept()  # the key goes to the field as a key press; no shortcut fires
        return False


def keep_text_keys(field: QWidget) -> None:
    """Let ``field`` (a line edit, an item editor) have Enter and Escape while it has the focus."""
    field.installEventFilter(_ClaimTextKeys(field))


class TextKeysDelegate(QStyledItemDelegate):
    """An item delegate whose in-place editors get Enter (commit) and Escape (cancel)."""

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QWidget:
        editor = super().createEditor(parent, option, index)
        if editor is not None:
            keep_text_keys(editor)
        return editor
