"""The app layer shared by app.py and pages/: session state, sidebar, error display."""
