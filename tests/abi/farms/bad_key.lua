plugin "bad_key"
