# The aws plugin's pages against its code (README.md, docs/): every kind
# of the built aws.so has its row in README.md's kinds table and a page
# whose key table matches the kind's keys (tests/test_aws_docs.c, which
# opens the module with dlopen). Included by CMakeLists.txt beside it,
# after plugin.cmake.
if(SCALED_TESTS)
  scaled_unit_test(test_aws_docs SOURCES ${CMAKE_CURRENT_LIST_DIR}/tests/test_aws_docs.c
    LIBS ${CMAKE_DL_LIBS})
  target_compile_definitions(test_aws_docs PRIVATE SCALED_AWS_SO="$<TARGET_FILE:plugin_aws>")
  add_dependencies(test_aws_docs plugin_aws)
endif()
