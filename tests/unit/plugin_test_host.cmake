# The shared library of the plugin tests, which live beside their plugins
# (plugins/NAME/test_*.c, registered in plugins/NAME/CMakeLists.txt). The
# tests load the real NAME.so from the build tree through this test host
# (plugin_test_host.c, plugin_test_limits.c), so the module and its exported
# entry are what is tested, not its sources compiled into the test;
# procpool_fx.c is the fixture the procpool.so tests share.
add_library(scaled_plugin_test_host STATIC
  ${CMAKE_CURRENT_LIST_DIR}/plugin_test_host.c
  ${CMAKE_CURRENT_LIST_DIR}/plugin_test_limits.c
  ${CMAKE_CURRENT_LIST_DIR}/procpool_fx.c)
target_include_directories(scaled_plugin_test_host PUBLIC
  ${CMAKE_SOURCE_DIR}/core/include ${CMAKE_CURRENT_LIST_DIR})
target_compile_definitions(scaled_plugin_test_host PRIVATE _GNU_SOURCE
  SCALED_SOURCE_DIR="${CMAKE_SOURCE_DIR}" SCALED_BINARY_DIR="${CMAKE_BINARY_DIR}")
target_link_libraries(scaled_plugin_test_host
  PUBLIC PkgConfig::CMOCKA ${CMAKE_DL_LIBS} Threads::Threads
  PRIVATE scaled_warnings)
