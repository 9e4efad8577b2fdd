"""The app's screens: picker, params form, the split view, and their dialogs."""
