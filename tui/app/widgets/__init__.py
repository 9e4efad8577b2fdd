"""Widgets of the split view, one per thing shown."""
