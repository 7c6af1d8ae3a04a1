# scaled simulate's tests (simulate/tests/): its parts alone (cmocka), and
# the real binary on fixtures whose answers are worked out by hand.
set(SCALED_TESTDATA_DIR "${CMAKE_SOURCE_DIR}/../shared/testdata" CACHE PATH
  "the shared test data (spot/, load/, sigv4/)")
scaled_unit_test(test_simulate SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/test_simulate.c
  LIBS scaled_simulate scaled_static)
target_include_directories(test_simulate PRIVATE ${CMAKE_SOURCE_DIR}/plugins/replay)
# Its malloc fails on request (test_world_finish_nomem).
target_link_options(test_simulate PRIVATE -Wl,--wrap=malloc)
scaled_unit_test(test_simulate_input
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/test_simulate_input.c
  LIBS scaled_simulate scaled_static m)
target_include_directories(test_simulate_input PRIVATE ${CMAKE_SOURCE_DIR}/plugins/replay)

# The offline lower bound on cases worked out by hand (sim_bound.c).
scaled_unit_test(test_simulate_bound
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/test_simulate_bound.c
  LIBS scaled_simulate scaled_static m)
target_include_directories(test_simulate_bound PRIVATE ${CMAKE_SOURCE_DIR}/plugins/replay)
# The keys that compare: the SLO, the fixed peak, the lower bound, the
# baselines (sim_compare.sh, answers by hand).
foreach(case bound baselines same bad)
  add_test(NAME simulate_compare_${case}
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/tests/sim_compare.sh $<TARGET_FILE:scaled>
      ${CMAKE_CURRENT_SOURCE_DIR}/tests/fixtures ${SCALED_TESTDATA_DIR} ${case})
  set_tests_properties(simulate_compare_${case} PROPERTIES LABELS integration TIMEOUT 300
    SKIP_RETURN_CODE 77)
endforeach()

# series.csv, chart.png and the progress display (sim_series.sh); the
# chart's child process with a stand-in gnuplot (test_simulate_chart).
scaled_unit_test(test_simulate_chart
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/test_simulate_chart.c
  LIBS scaled_simulate scaled_static)
foreach(case rows long same chart progress bad)
  add_test(NAME simulate_series_${case}
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/tests/sim_series.sh $<TARGET_FILE:scaled>
      ${CMAKE_CURRENT_SOURCE_DIR}/tests/fixtures ${case})
  set_tests_properties(simulate_series_${case} PROPERTIES LABELS integration TIMEOUT 120)
endforeach()
foreach(case fixed switch failover requeue idle same interrupt farm shipped ondemand loads burst bad)
  add_test(NAME simulate_${case}
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/tests/sim_case.sh $<TARGET_FILE:scaled>
      ${CMAKE_CURRENT_SOURCE_DIR}/tests/fixtures ${SCALED_TESTDATA_DIR} ${case})
  set_tests_properties(simulate_${case} PROPERTIES LABELS integration TIMEOUT 120
    SKIP_RETURN_CODE 77)
endforeach()
