"""Reading results: aggregation, percentile tables, reports, plots and fans, from files on disk only.

Never imports the simulation or the running layer.
"""
