"""The desktop app's views (PySide6 + pyqtgraph): the only package of blockstudio that imports Qt.

Every view renders a ``blockstudio.workspace.Workspace`` and calls its methods; run the app
with ``blockstudio`` or ``python -m blockstudio``.
"""
