"""Mesa agents of greyzone and the vectorised state behind them."""
