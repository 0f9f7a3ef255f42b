"""The simulation: the model, its agents and everything it steps each week.

Imports only the ground floor (`model.config`, `model.catalogue`); nothing above it.
"""
