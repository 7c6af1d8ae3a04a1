# Benchmarks print figures; they are not tests. Run: tools/bench/run
add_executable(bench_engine ${CMAKE_CURRENT_LIST_DIR}/bench_engine.c)
target_link_libraries(bench_engine PRIVATE scaled_static scaled_warnings)
target_compile_options(bench_engine PRIVATE "SHELL:-iquote ${CMAKE_SOURCE_DIR}/core")
target_compile_definitions(bench_engine PRIVATE _GNU_SOURCE)
set_target_properties(bench_engine PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tools/bench)
