plugin "nope"
