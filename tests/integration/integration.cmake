# The real scaled binary: configuration errors, --check, and the end-to-end
# pool test on real processes.
set(SCALED_IT ${CMAKE_SOURCE_DIR}/tests/integration)
set(SCALED_BIN $<TARGET_FILE:scaled>)

function(scaled_config_error name code pattern farm)
  add_test(NAME config_${name}
    COMMAND sh ${SCALED_IT}/expect_exit.sh ${code} "${pattern}"
            ${SCALED_BIN} --check -c ${SCALED_IT}/farms/${farm})
  set_tests_properties(config_${name} PROPERTIES LABELS integration TIMEOUT 30)
endfunction()

scaled_config_error(syntax_error 2 "farm\\.lua:3:" syntax/farm.lua)
scaled_config_error(unknown_key 2 "unknown_key\\.lua:2: source \"cpu\": unknown key \"evry\" \\(did you mean \"every\"\\?\\)" unknown_key.lua)
scaled_config_error(min_gt_max 2 "min_gt_max\\.lua:4: group \"g\": min \\(5\\) is greater than max \\(2\\)" min_gt_max.lua)
scaled_config_error(unknown_kind 2 "unknown_kind\\.lua:2: .*unknown kind \"cpuu\"" unknown_kind.lua)
# Declarations that failed but were caught with pcall leave nothing half-made.
scaled_config_error(pcall_failed_source 2 "pcall_failed_source\\.lua:7: group \"g\": series \"s\": its source was not made" pcall_failed_source.lua)
add_test(NAME config_pcall_failed_target
  COMMAND sh ${SCALED_IT}/expect_exit.sh 0 "declares no group"
          ${SCALED_BIN} --once --apply -c ${SCALED_IT}/farms/pcall_failed_target.lua)
set_tests_properties(config_pcall_failed_target PROPERTIES LABELS integration TIMEOUT 30)
# A plugin's ABI 1.1 limits, checked by the core before create().
scaled_config_error(limit_sim_start 2 "limit_sim_start\\.lua:2: target \"t\": key \"start\": -1 is not between 0 and 1000000" limit_sim_start.lua)
scaled_config_error(limit_procpool_backoff 2 "limit_procpool_backoff\\.lua:2: target \"p\": key \"restart_backoff\": 0s is less than 1ms" limit_procpool_backoff.lua)
scaled_config_error(unknown_plugin 2 "unknown_plugin\\.lua:1: plugin \"nosuchplugin\"" unknown_plugin.lua)
scaled_config_error(unknown_target 2 "unknown_target\\.lua:3: group \"g\": unknown target \"poool\"" unknown_target.lua)
scaled_config_error(wrong_type 2 "wrong_type\\.lua:2: .*key \"command\": expected string, got number" wrong_type.lua)
scaled_config_error(duplicate 2 "duplicate\\.lua:3: target \"pool\": .*exists already" duplicate.lua)
scaled_config_error(unknown_series 2 "unknown_series\\.lua:4: group \"g\": .*series \"nope\"" unknown_series.lua)
scaled_config_error(bad_duration 2 "bad_duration\\.lua:2: .*stop_grace.*\"soon\"" bad_duration.lua)
scaled_config_error(no_such_file 2 "nofile\\.lua" nofile.lua)
# Silent misconfiguration is a load error naming file:line and the key (issue 9, A7).
scaled_config_error(policy_typo 2 "policy_typo\\.lua:3: group \"g\": key \"policy\": a table with key \"evaluat\" is neither a policy.*did you mean \"evaluate\"" policy_typo.lua)
scaled_config_error(series_string 2 "series_string\\.lua:4: group \"g\": policy p: key \"series\" must be a list of series names, got a string" series_string.lua)
scaled_config_error(stale_lt_every 2 "stale_lt_every\\.lua:2: source \"w\": key \"stale\" \\(1s\\) must be at least \"every\" \\(5s\\)" stale_lt_every.lua)
scaled_config_error(duration_too_long 2 "duration_too_long\\.lua:2: target \"pool\": key \"stop_grace\": duration \"100000000d\" is longer than 365d" duration_too_long.lua)
scaled_config_error(oom_at_load 2 "oom_at_load\\.lua:3: not enough memory" oom_at_load.lua)
# Markets: a group that may propose a mix needs a target that applies one.
scaled_config_error(mix_unsupported 2 "mix_unsupported\\.lua:4: group \"g\": target \"pool\" \\(kind \"procpool\"\\) cannot apply a market mix, which its policy \"failover\" may propose" mix_unsupported.lua)
scaled_config_error(mix_unsupported_keys 2 "mix_unsupported_keys\\.lua:3: group \"g\": target \"pool\" \\(kind \"procpool\"\\) cannot apply a market mix, which the group's on_demand_base/on_demand_percent set" mix_unsupported_keys.lua)
scaled_config_error(mix_percent_range 2 "mix_percent_range\\.lua:3: group \"g\": on_demand_percent must be between 0 and 100, got 101" mix_percent_range.lua)
scaled_config_error(mix_override_typo 2 "mix_override_typo\\.lua:3: group \"g\": mix_override: unknown key \"on_demand_prcent\" \\(did you mean \"on_demand_percent\"\\?\\)" mix_override_typo.lua)
# Per-direction rate rules (HPA's behavior policies).
scaled_config_error(rate_mixed 2 "rate_mixed\\.lua:3: group \"g\": rate: with up or down, give only up and down \\(not \"count\"\\)" rate_mixed.lua)
scaled_config_error(rate_rule 2 "rate_rule\\.lua:3: group \"g\": rate.down\\[1\\]: give pods or percent \\(one of them\\)" rate_rule.lua)
scaled_config_error(rate_select 2 "rate_select\\.lua:3: group \"g\": rate.up.select must be \"max\", \"min\" or \"disabled\"" rate_select.lua)
scaled_config_error(hpa_behavior 0 "^ok$" hpa_behavior.lua)
scaled_config_error(override_range 2 "override_range\\.lua:3: group \"g\": key \"override\" must be between 0 and 1000000" override_range.lua)

add_test(NAME cli_bad_flag COMMAND sh ${SCALED_IT}/expect_exit.sh 2 "usage: scaled" ${SCALED_BIN} --bogus)
add_test(NAME cli_no_config COMMAND sh ${SCALED_IT}/expect_exit.sh 2 "no farm given" ${SCALED_BIN})
add_test(NAME cli_version COMMAND sh ${SCALED_IT}/expect_exit.sh 0 "scaled [0-9]+\\.[0-9]+\\.[0-9]+ \\(plugin ABI 1\\.4\\)" ${SCALED_BIN} --version)
add_test(NAME cli_bad_log_level COMMAND sh ${SCALED_IT}/expect_exit.sh 2 "unknown level \"loud\"" ${SCALED_BIN} --log-level loud -c x.lua)
add_test(NAME example_farm_check
  COMMAND sh ${SCALED_IT}/expect_exit.sh 0 "group +workers +target pool, min 0, max 6"
          ${SCALED_BIN} --check -c docs/examples/farm.lua
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(cli_bad_flag cli_no_config cli_version cli_bad_log_level example_farm_check
  PROPERTIES LABELS integration TIMEOUT 30)

if(Python3_Interpreter_FOUND)
  add_test(NAME e2e_pool COMMAND ${Python3_EXECUTABLE} ${SCALED_IT}/e2e_pool.py ${CMAKE_BINARY_DIR})
  set_tests_properties(e2e_pool PROPERTIES LABELS integration TIMEOUT 180
    ENVIRONMENT "SCALED_PLUGIN_PATH=${CMAKE_BINARY_DIR}/plugins")
endif()

# Install into a temporary prefix and build the embedding example against it.
add_test(NAME install_pkgconfig
  COMMAND sh ${SCALED_IT}/install_check.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
set_tests_properties(install_pkgconfig PROPERTIES LABELS integration TIMEOUT 120
  PASS_REGULAR_EXPRESSION "decisions in 2 simulated hours.*install_check: ok")

# --once: a preview. Every group's decision (quiet ones too), nothing acted
# on unless --apply.
add_test(NAME cli_once
  COMMAND sh ${SCALED_IT}/once_preview.sh ${SCALED_BIN} ${CMAKE_SOURCE_DIR})
set_tests_properties(cli_once PROPERTIES LABELS integration TIMEOUT 30
  ENVIRONMENT "SCALED_PLUGIN_PATH=${CMAKE_BINARY_DIR}/plugins")

# The daemon's start, ticks and clean stop under valgrind (libevent is not
# built with ASan, so only valgrind sees a use of its events after free).
add_test(NAME valgrind_daemon
  COMMAND sh ${SCALED_IT}/valgrind_daemon.sh ${SCALED_BIN})
set_tests_properties(valgrind_daemon PROPERTIES LABELS integration TIMEOUT 120
  SKIP_RETURN_CODE 77 ENVIRONMENT "SCALED_PLUGIN_PATH=${CMAKE_BINARY_DIR}/plugins")

# --check prints durations as a user writes them ("1d", not "8.64e+04s").
add_test(NAME check_durations
  COMMAND sh ${SCALED_IT}/expect_exit.sh 0 "source w +kind wave, every 1d, line 2"
          ${SCALED_BIN} --check -c ${SCALED_IT}/farms/long_every.lua)
set_tests_properties(check_durations PROPERTIES LABELS integration TIMEOUT 30
  ENVIRONMENT "SCALED_PLUGIN_PATH=${CMAKE_BINARY_DIR}/plugins")

# Workers die with the daemon (PR_SET_PDEATHSIG): SIGKILL scaled, restart it,
# the pool settles at its desired count; nothing outlives the test.
if(Python3_Interpreter_FOUND)
  add_test(NAME procpool_orphans
    COMMAND ${Python3_EXECUTABLE} ${SCALED_IT}/procpool_orphans.py ${CMAKE_BINARY_DIR})
  # RUN_SERIAL: a procpool's first apply SIGTERMs every worker group on the
  # host left by a scaled that is gone (by design), so another procpool test
  # running beside this one could take the test's planted leftover first,
  # and the line the test waits for would be in the other test's log.
  set_tests_properties(procpool_orphans PROPERTIES LABELS integration TIMEOUT 180
    RUN_SERIAL TRUE ENVIRONMENT "SCALED_PLUGIN_PATH=${CMAKE_BINARY_DIR}/plugins")
endif()

# A policy cannot declare (issue 9, B11): --once shows the policy's error.
add_test(NAME cli_runtime_declaration
  COMMAND sh ${SCALED_IT}/expect_exit.sh 0
          "\"kind\":\"error\".*target\\(\\) is a declaration: it works only while the farm file loads"
          ${SCALED_BIN} --once -c ${SCALED_IT}/farms/runtime_declaration.lua)
# A FIFO as the farm file is refused at once, never waited on (B17).
add_test(NAME cli_fifo_farm
  COMMAND sh ${SCALED_IT}/expect_exit.sh 2 "fifo_farm\\.lua: not a regular file"
          sh -c "rm -f \"$1\" && mkfifo \"$1\" && \"$2\" --check -c \"$1\"; rc=$?; rm -f \"$1\"; exit $rc"
          fifo ${CMAKE_CURRENT_BINARY_DIR}/fifo_farm.lua ${SCALED_BIN})
set_tests_properties(cli_runtime_declaration cli_fifo_farm PROPERTIES LABELS integration TIMEOUT 30
  ENVIRONMENT "SCALED_PLUGIN_PATH=${CMAKE_BINARY_DIR}/plugins")

# make demo's run: to the max and back to 0, every job done once.
add_test(NAME demo COMMAND sh ${SCALED_IT}/demo_check.sh ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR})
set_tests_properties(demo PROPERTIES LABELS integration TIMEOUT 120 SKIP_RETURN_CODE 77)

# make demo builds the demo's targets only, quietly.
add_test(NAME demo_build COMMAND sh ${SCALED_IT}/demo_build.sh ${CMAKE_SOURCE_DIR})
# RUN_SERIAL: a compile beside the timing-sensitive tests would only load them.
set_tests_properties(demo_build PROPERTIES LABELS integration TIMEOUT 300 RUN_SERIAL TRUE)

# An overloaded daemon still stops on SIGTERM, within a bound.
add_test(NAME overload_stop COMMAND sh ${SCALED_IT}/overload_stop.sh ${SCALED_BIN})
set_tests_properties(overload_stop PROPERTIES LABELS integration TIMEOUT 90
  ENVIRONMENT "SCALED_PLUGIN_PATH=${CMAKE_BINARY_DIR}/plugins")
