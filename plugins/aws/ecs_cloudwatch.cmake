# The target aws.ecs (ecs.c; ECS's answers in aws_ecs_answer.c) and the
# source aws.cloudwatch (cloudwatch.c; its request in aws_cw_query.c, its
# XML answer in aws_cw_answer.c), added to aws.so (README.md); their unit
# tests without the network, and their moto tests (signature checking on,
# tests/moto_ecs.py and tests/moto_cloudwatch.py, skipped with 77 without
# moto or boto3). Included by CMakeLists.txt beside it, after plugin.cmake.
target_sources(plugin_aws PRIVATE ${CMAKE_CURRENT_LIST_DIR}/ecs.c
  ${CMAKE_CURRENT_LIST_DIR}/aws_ecs_answer.c ${CMAKE_CURRENT_LIST_DIR}/cloudwatch.c
  ${CMAKE_CURRENT_LIST_DIR}/aws_cw_query.c ${CMAKE_CURRENT_LIST_DIR}/aws_cw_answer.c)

if(SCALED_TESTS)
  # ECS's DescribeServices / UpdateService answers, real-shaped and garbage.
  scaled_unit_test(test_aws_ecs SOURCES ${CMAKE_CURRENT_LIST_DIR}/tests/test_aws_ecs.c
    ${CMAKE_CURRENT_LIST_DIR}/aws_ecs_answer.c LIBS scaled_aws_client)
  target_include_directories(test_aws_ecs PRIVATE ${CMAKE_CURRENT_LIST_DIR})

  # CloudWatch: the keys checked, the form written, GetMetricData's XML
  # pages and errors read, real-shaped and garbage.
  scaled_unit_test(test_aws_cloudwatch SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/tests/test_aws_cloudwatch.c
    ${CMAKE_CURRENT_LIST_DIR}/aws_cw_query.c ${CMAKE_CURRENT_LIST_DIR}/aws_cw_answer.c
    LIBS scaled_aws_client)
  target_include_directories(test_aws_cloudwatch PRIVATE ${CMAKE_CURRENT_LIST_DIR})

  if(Python3_Interpreter_FOUND)
    foreach(t moto_ecs moto_cloudwatch)
      add_test(NAME ${t} COMMAND ${Python3_EXECUTABLE}
        ${CMAKE_CURRENT_LIST_DIR}/tests/${t}.py $<TARGET_FILE:scaled>)
      set_tests_properties(${t} PROPERTIES LABELS integration TIMEOUT 180
        SKIP_RETURN_CODE 77)
    endforeach()
  endif()
endif()
