plugin "short_struct"
