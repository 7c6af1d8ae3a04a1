# Every plugin is a MODULE library named NAME.so in build/plugins/.
# scaled_plugin(NAME SOURCES...) declares one; each plugin folder calls it.
function(scaled_plugin name)
  add_library(plugin_${name} MODULE ${ARGN})
  set_target_properties(plugin_${name} PROPERTIES
    OUTPUT_NAME ${name} PREFIX ""
    LIBRARY_OUTPUT_DIRECTORY ${SCALED_BUILD_PLUGIN_DIR}
    C_VISIBILITY_PRESET hidden)
  target_include_directories(plugin_${name} PRIVATE ${CMAKE_SOURCE_DIR}/core/include)
  target_compile_definitions(plugin_${name} PRIVATE _GNU_SOURCE)
  target_link_libraries(plugin_${name} PRIVATE scaled_warnings)
  install(TARGETS plugin_${name} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/scaled/plugins)
endfunction()
