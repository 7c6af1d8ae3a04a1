# The Lua sandbox and the policy API.
set(CORE ${CMAKE_SOURCE_DIR}/core)
# what sandbox.c is made of besides itself (see core/sandbox_int.h)
set(SANDBOX_PARTS ${CORE}/sandbox_base.c ${CORE}/sandbox_deadline.c ${CORE}/sandbox_env.c ${CORE}/sandbox_watchdog.c
  ${CORE}/sandbox_lib.c ${CORE}/tz.c ${CORE}/tz_posix.c)

scaled_unit_test(test_sandbox LABEL lua
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sandbox.c ${CMAKE_CURRENT_LIST_DIR}/sandbox_fx.c
    ${CORE}/sandbox.c ${SANDBOX_PARTS} ${CORE}/alloc.c ${CORE}/clock.c ${CORE}/log.c
  LIBS PkgConfig::LUA)

scaled_unit_test(test_sandbox_watchdog LABEL lua
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sandbox_watchdog.c ${CMAKE_CURRENT_LIST_DIR}/sandbox_fx.c
    ${CORE}/sandbox.c ${SANDBOX_PARTS} ${CORE}/alloc.c ${CORE}/clock.c ${CORE}/log.c
  LIBS PkgConfig::LUA Threads::Threads)

scaled_unit_test(test_sandbox_bounds LABEL lua
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sandbox_bounds.c ${CMAKE_CURRENT_LIST_DIR}/sandbox_fx.c
    ${CORE}/sandbox.c ${SANDBOX_PARTS} ${CORE}/alloc.c ${CORE}/clock.c ${CORE}/log.c
  LIBS PkgConfig::LUA)

scaled_unit_test(test_policy_api LABEL lua
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_policy_api.c
    ${CORE}/policy_api.c ${CORE}/policy_call.c ${CORE}/policy_native.c ${CORE}/policy_percent.c ${CORE}/policy_queue.c ${CORE}/policy_spot_failover.c ${CORE}/policy_text.c ${CORE}/policy_series.c ${CORE}/event.c ${CORE}/sandbox.c ${SANDBOX_PARTS} ${CORE}/series.c ${CORE}/name_index.c ${CORE}/duration.c
    ${CORE}/alloc.c ${CORE}/clock.c ${CORE}/log.c
  LIBS PkgConfig::LUA PkgConfig::CJSON m)

scaled_unit_test(test_policy_args LABEL lua
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_policy_args.c
    ${CORE}/policy_api.c ${CORE}/policy_call.c ${CORE}/policy_native.c ${CORE}/policy_percent.c ${CORE}/policy_queue.c ${CORE}/policy_spot_failover.c ${CORE}/policy_text.c ${CORE}/policy_series.c ${CORE}/event.c ${CORE}/sandbox.c ${SANDBOX_PARTS} ${CORE}/series.c ${CORE}/name_index.c ${CORE}/duration.c
    ${CORE}/alloc.c ${CORE}/clock.c ${CORE}/log.c
  LIBS PkgConfig::LUA PkgConfig::CJSON m)

scaled_unit_test(test_policy_memory LABEL lua
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_policy_memory.c
    ${CORE}/policy_api.c ${CORE}/policy_call.c ${CORE}/policy_native.c ${CORE}/policy_percent.c ${CORE}/policy_queue.c ${CORE}/policy_spot_failover.c ${CORE}/policy_text.c ${CORE}/policy_series.c ${CORE}/event.c ${CORE}/sandbox.c ${SANDBOX_PARTS} ${CORE}/series.c ${CORE}/name_index.c ${CORE}/duration.c
    ${CORE}/alloc.c ${CORE}/clock.c ${CORE}/log.c
  LIBS PkgConfig::LUA PkgConfig::CJSON m)

# Policies only propose and cannot stall or starve each other: the engine
# through its public API with the sim plugin.
scaled_unit_test(test_policy_isolation LABEL lua
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_policy_isolation.c
  LIBS scaled_static)
add_dependencies(test_policy_isolation plugin_sim)
