"""The vocabulary every layer shares, named once: units, and the outcomes a run reports.

The ground floor beside `model.config`: it imports nothing from the model.
"""
