"""Unit conversions, defined once for the whole model."""

WEEKS_PER_YEAR = 52  # one step is one week; an int, so that it also slices weekly series
DAYS_PER_YEAR = 365.0
KG_PER_TONNE = 1000.0
YEN_PER_TRILLION = 1e12
PER_TRILLION = 1e-12  # display scale: yen -> trillion yen
PER_BILLION = 1e-9  # display scale: yen or USD -> billion
PERCENT = 100.0
