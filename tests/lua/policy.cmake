# The shipped policy library: every policies/*_test.lua runs in the real
# sandbox with the real policy API through run_policy_tests.
set(CORE ${CMAKE_SOURCE_DIR}/core)
set(SANDBOX_PARTS ${CORE}/sandbox_base.c ${CORE}/sandbox_deadline.c ${CORE}/sandbox_env.c ${CORE}/sandbox_watchdog.c
  ${CORE}/sandbox_lib.c ${CORE}/tz.c ${CORE}/tz_posix.c)

add_executable(run_policy_tests ${CMAKE_CURRENT_LIST_DIR}/run_policy_tests.c
  ${CORE}/policy_api.c ${CORE}/policy_call.c ${CORE}/policy_native.c ${CORE}/policy_percent.c ${CORE}/policy_queue.c ${CORE}/policy_spot_failover.c ${CORE}/policy_text.c ${CORE}/policy_series.c ${CORE}/event.c ${CORE}/sandbox.c ${SANDBOX_PARTS} ${CORE}/series.c ${CORE}/name_index.c ${CORE}/duration.c
  ${CORE}/alloc.c ${CORE}/clock.c ${CORE}/log.c)
# core headers on the quote path only: core/sched.h must not shadow <sched.h>
target_include_directories(run_policy_tests PRIVATE ${CORE}/include)
target_compile_options(run_policy_tests PRIVATE "SHELL:-iquote ${CORE}")
target_compile_definitions(run_policy_tests PRIVATE _GNU_SOURCE)
target_link_libraries(run_policy_tests PRIVATE PkgConfig::LUA PkgConfig::CJSON scaled_warnings m)

file(GLOB policy_tests CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/policies/*_test.lua
  ${CMAKE_SOURCE_DIR}/policies/policy/*_test.lua)
foreach(f ${policy_tests})
  get_filename_component(n ${f} NAME_WE)
  add_test(NAME lua_${n} COMMAND run_policy_tests ${CMAKE_SOURCE_DIR}/policies ${f})
  set_tests_properties(lua_${n} PROPERTIES LABELS lua TIMEOUT 120)
endforeach()
