# scaled-worker: the demo worker for a dirqueue spool (see scaled-worker.c).
# Its claims (worker_spool.c) are a library of their own, which the test
# links as the worker does.
add_library(scaled_worker_spool STATIC ${CMAKE_CURRENT_LIST_DIR}/worker_spool.c)
target_include_directories(scaled_worker_spool PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_compile_definitions(scaled_worker_spool PRIVATE _GNU_SOURCE)
target_link_libraries(scaled_worker_spool PRIVATE scaled_warnings)

add_executable(scaled-worker ${CMAKE_CURRENT_LIST_DIR}/scaled-worker.c)
target_compile_definitions(scaled-worker PRIVATE _GNU_SOURCE)
target_link_libraries(scaled-worker PRIVATE scaled_worker_spool scaled_warnings)
set_target_properties(scaled-worker PROPERTIES
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tools)

if(SCALED_TESTS)
  # scaled-loadgen and scaled-worker on a temporary spool.
  scaled_unit_test(test_tools_spool SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_spool.c)
  add_dependencies(test_tools_spool scaled-worker scaled-loadgen)
  # worker_spool.c in-process: which entries are jobs, and claims where
  # RENAME_NOREPLACE is refused (the test defines renameat2, which the
  # static library then calls).
  # Its spools are made with the queue tests' fixture (tests/infer_io).
  scaled_unit_test(test_tools_worker_spool SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_worker_spool.c
    ${CMAKE_SOURCE_DIR}/tests/infer_io/spool_util.c LIBS scaled_worker_spool)
  target_include_directories(test_tools_worker_spool PRIVATE ${CMAKE_SOURCE_DIR}/tests/infer_io)
endif()
