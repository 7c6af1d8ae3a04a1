plugin "missing_symbol"
