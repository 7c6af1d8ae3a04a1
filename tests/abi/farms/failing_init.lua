plugin "failing_init"
