# Markets end to end: the real spot price history through replay + sim +
# the spot_failover policy (tests/markets/spot_failover_history.py says what
# it checks). farm_run drives a farm on a virtual clock.
add_executable(farm_run ${CMAKE_CURRENT_LIST_DIR}/farm_run.c)
target_link_libraries(farm_run PRIVATE scaled_static scaled_warnings)

set(SCALED_TESTDATA_DIR "${CMAKE_SOURCE_DIR}/../shared/testdata" CACHE PATH
  "the shared test data (spot/, load/, sigv4/)")
add_test(NAME markets_spot_failover_history
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/spot_failover_history.py
          $<TARGET_FILE:farm_run> ${SCALED_TESTDATA_DIR})
set_tests_properties(markets_spot_failover_history PROPERTIES LABELS integration TIMEOUT 600
  SKIP_RETURN_CODE 77)
add_dependencies(farm_run plugin_sim plugin_replay)
# The seed's second setup: a spot group and an on-demand backup group
# (policy.backup_group) on the same history (backup_group_history.py).
add_test(NAME markets_backup_group_history
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/backup_group_history.py
          $<TARGET_FILE:farm_run> ${SCALED_TESTDATA_DIR})
set_tests_properties(markets_backup_group_history PROPERTIES LABELS integration TIMEOUT 600
  SKIP_RETURN_CODE 77)
