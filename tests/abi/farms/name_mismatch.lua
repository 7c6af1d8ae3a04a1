plugin "name_mismatch"
