plugin "wrong_major"
