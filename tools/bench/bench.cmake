# Benchmarks print figures; they are not tests. Run: tools/bench/run
add_executable(bench_engine ${CMAKE_CURRENT_LIST_DIR}/bench_engine.c)
target_link_libraries(bench_engine PRIVATE scaled_static scaled_warnings)
target_compile_options(bench_engine PRIVATE "SHELL:-iquote ${CMAKE_SOURCE_DIR}/core")
target_compile_definitions(bench_engine PRIVATE _GNU_SOURCE)
set_target_properties(bench_engine PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tools/bench)

# Instructions a group tick costs, per farm, under callgrind:
#   tools/bench/tick_instructions [BUILD_DIR]
add_executable(bench_tick ${CMAKE_CURRENT_LIST_DIR}/bench_tick.c)
target_link_libraries(bench_tick PRIVATE scaled_static scaled_warnings)
target_compile_options(bench_tick PRIVATE "SHELL:-iquote ${CMAKE_SOURCE_DIR}/core")
target_compile_definitions(bench_tick PRIVATE _GNU_SOURCE)
set_target_properties(bench_tick PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tools/bench)

# The CPU backend's throughput on a model, with nothing but the inference
# core (scaled-infer --bench is the users' tool):
#   build/tools/bench/bench_infer MODEL.onnx [BATCH [ITERS [THREADS]]]
if(TARGET scaled_infer_core)
  add_executable(bench_infer ${CMAKE_CURRENT_LIST_DIR}/bench_infer.c)
  target_compile_definitions(bench_infer PRIVATE _GNU_SOURCE)
  target_link_libraries(bench_infer PRIVATE scaled_infer_core scaled_warnings)
  set_target_properties(bench_infer PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tools/bench)
endif()

# What talking to AWS costs: SigV4 signing (key cached and not), and the
# request rate through the core's HTTP client to a loopback evhttp server:
#   build/tools/bench/bench_aws [REQUESTS]
add_executable(bench_aws ${CMAKE_CURRENT_LIST_DIR}/bench_aws.c)
target_link_libraries(bench_aws PRIVATE scaled_static scaled_aws_sigv4 PkgConfig::LIBEVENT
  Threads::Threads scaled_warnings)
target_compile_options(bench_aws PRIVATE "SHELL:-iquote ${CMAKE_SOURCE_DIR}/core")
target_compile_definitions(bench_aws PRIVATE _GNU_SOURCE)
target_include_directories(bench_aws PRIVATE ${CMAKE_SOURCE_DIR}/plugins/aws)
set_target_properties(bench_aws PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tools/bench)

# The least client CPU a request costs on a fresh connection (what moto,
# which closes every connection, forces on any client): aws_cycle.py runs it
#   build/tools/bench/bench_http_floor PORT [REQUESTS]
add_executable(bench_http_floor ${CMAKE_CURRENT_LIST_DIR}/bench_http_floor.c)
target_link_libraries(bench_http_floor PRIVATE scaled_warnings)
set_target_properties(bench_http_floor PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tools/bench)

# The least RSS a libcurl client holds (the shared libraries' pages count
# in RSS): aws_cycle.py runs it against the same moto
#   build/tools/bench/bench_curl_floor URL
add_executable(bench_curl_floor ${CMAKE_CURRENT_LIST_DIR}/bench_curl_floor.c)
target_link_libraries(bench_curl_floor PRIVATE PkgConfig::CURL scaled_warnings)
set_target_properties(bench_curl_floor PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tools/bench)
