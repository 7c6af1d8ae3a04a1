# Tests of the plugins in plugins/ and the spool tools in tools/. The plugin
# tests load the real NAME.so from the build tree through a test host
# (plugin_test_host.c), so the module and its exported entry are what is
# tested, not its sources compiled into the test.
set(plugin_test_host ${CMAKE_CURRENT_LIST_DIR}/plugin_test_host.c
  ${CMAKE_CURRENT_LIST_DIR}/plugin_test_limits.c)

# the fixture the procpool.so tests share
set(procpool_fx ${CMAKE_CURRENT_LIST_DIR}/procpool_fx.c)

foreach(p cpu dirqueue)
  scaled_unit_test(test_plugin_${p}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_plugin_${p}.c ${plugin_test_host}
    LIBS ${CMAKE_DL_LIBS} Threads::Threads)
  add_dependencies(test_plugin_${p} plugin_${p})
endforeach()

foreach(t procpool procpool_exec)
  scaled_unit_test(test_plugin_${t}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_plugin_${t}.c ${procpool_fx}
      ${plugin_test_host}
    LIBS ${CMAKE_DL_LIBS} Threads::Threads)
  add_dependencies(test_plugin_${t} plugin_procpool)
endforeach()

scaled_unit_test(test_tools_spool
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_tools_spool.c)
add_dependencies(test_tools_spool scaled-worker scaled-loadgen)

scaled_unit_test(test_plugin_spool_e2e
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_plugin_spool_e2e.c ${procpool_fx}
    ${plugin_test_host}
  LIBS ${CMAKE_DL_LIBS} Threads::Threads)
add_dependencies(test_plugin_spool_e2e plugin_procpool plugin_dirqueue
  scaled-worker scaled-loadgen)
