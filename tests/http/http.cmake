# core/http.c against a scripted HTTP/1.1 server on loopback (server.py),
# on a real libevent loop.
scaled_unit_test(test_http LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_http.c ${CMAKE_CURRENT_LIST_DIR}/server_fx.c
    ${CMAKE_SOURCE_DIR}/core/http.c
    ${CMAKE_SOURCE_DIR}/core/http_retry.c ${CMAKE_SOURCE_DIR}/core/alloc.c
    ${CMAKE_SOURCE_DIR}/core/clock.c
  LIBS PkgConfig::CURL PkgConfig::LIBEVENT)
target_compile_definitions(test_http PRIVATE
  SCALED_HTTP_SERVER="${CMAKE_CURRENT_LIST_DIR}/server.py")

# HTTP for plugins through the host table (ABI 1.3): the http_probe test
# plugin in the real engine, against the same server.
add_library(http_probe MODULE ${CMAKE_CURRENT_LIST_DIR}/http_probe.c)
set_target_properties(http_probe PROPERTIES PREFIX ""
  LIBRARY_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/http_plugins
  C_VISIBILITY_PRESET hidden)
target_include_directories(http_probe PRIVATE ${CMAKE_SOURCE_DIR}/core/include)
target_compile_definitions(http_probe PRIVATE _GNU_SOURCE)
target_link_libraries(http_probe PRIVATE scaled_warnings)
scaled_unit_test(test_engine_http LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_engine_http.c ${CMAKE_CURRENT_LIST_DIR}/server_fx.c
  LIBS scaled_static PkgConfig::LIBEVENT)
target_compile_definitions(test_engine_http PRIVATE
  SCALED_HTTP_SERVER="${CMAKE_CURRENT_LIST_DIR}/server.py"
  SCALED_HTTP_PLUGIN_DIR="${CMAKE_CURRENT_BINARY_DIR}/http_plugins")
add_dependencies(test_engine_http http_probe plugin_sim)
