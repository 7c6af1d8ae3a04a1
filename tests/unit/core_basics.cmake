# The core's basic modules: alloc, log, duration, clock, sched, series, tz,
# name_index.
set(CORE ${CMAKE_SOURCE_DIR}/core)

scaled_unit_test(test_alloc SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_alloc.c
  ${CORE}/alloc.c ${CORE}/sched.c ${CORE}/series.c ${CORE}/name_index.c LIBS m)
scaled_unit_test(test_log SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_log.c ${CORE}/log.c)
scaled_unit_test(test_duration SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_duration.c
  ${CORE}/duration.c)
scaled_unit_test(test_name_index SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_name_index.c
  ${CORE}/name_index.c ${CORE}/alloc.c)
scaled_unit_test(test_clock SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_clock.c ${CORE}/clock.c)
scaled_unit_test(test_sched SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sched.c
  ${CORE}/sched.c ${CORE}/alloc.c)
scaled_unit_test(test_sched_model SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sched_model.c
  ${CORE}/sched.c ${CORE}/alloc.c)
foreach(t test_tz test_tz_files)
  scaled_unit_test(${t} SOURCES ${CMAKE_CURRENT_LIST_DIR}/${t}.c ${CMAKE_CURRENT_LIST_DIR}/tz_fx.c
    ${CORE}/tz.c ${CORE}/tz_posix.c ${CORE}/alloc.c LIBS PkgConfig::LUA Threads::Threads)
endforeach()
scaled_unit_test(test_series SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_series.c
  ${CORE}/series.c ${CORE}/name_index.c ${CORE}/alloc.c LIBS m)
