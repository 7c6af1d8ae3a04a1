# scaled-worker: the demo worker for a dirqueue spool (see scaled-worker.c).
add_executable(scaled-worker ${CMAKE_CURRENT_LIST_DIR}/scaled-worker.c)
target_compile_definitions(scaled-worker PRIVATE _GNU_SOURCE)
target_link_libraries(scaled-worker PRIVATE scaled_warnings)
set_target_properties(scaled-worker PROPERTIES
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tools)

if(SCALED_TESTS)
  # scaled-loadgen and scaled-worker on a temporary spool.
  scaled_unit_test(test_tools_spool SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_spool.c)
  add_dependencies(test_tools_spool scaled-worker scaled-loadgen)
endif()
