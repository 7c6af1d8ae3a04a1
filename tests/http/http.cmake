# core/http.c against a scripted HTTP/1.1 server on loopback (server.py),
# on a real libevent loop.
scaled_unit_test(test_http LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_http.c ${CMAKE_SOURCE_DIR}/core/http.c
    ${CMAKE_SOURCE_DIR}/core/http_retry.c ${CMAKE_SOURCE_DIR}/core/alloc.c
    ${CMAKE_SOURCE_DIR}/core/clock.c
  LIBS PkgConfig::CURL PkgConfig::LIBEVENT)
target_compile_definitions(test_http PRIVATE
  SCALED_HTTP_SERVER="${CMAKE_CURRENT_LIST_DIR}/server.py")
