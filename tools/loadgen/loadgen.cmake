# scaled-loadgen: drops job files into a spool at a steady rate.
add_executable(scaled-loadgen ${CMAKE_CURRENT_LIST_DIR}/scaled-loadgen.c)
target_compile_definitions(scaled-loadgen PRIVATE _GNU_SOURCE)
target_link_libraries(scaled-loadgen PRIVATE scaled_warnings m)
set_target_properties(scaled-loadgen PROPERTIES
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tools)
