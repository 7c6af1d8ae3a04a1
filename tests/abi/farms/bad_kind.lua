plugin "bad_kind"
