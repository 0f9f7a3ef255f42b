"""The dashboard: the model built from its controls (controls.py) and the Solara page (page.py)."""
