# The targets aws.spot_fleet (spot_fleet.c) and aws.ec2 (ec2.c), what they
# share (nothing but scaled_aws_client), their answer
# readers (aws_fleet_answer.c, aws_ec2_answer.c) and aws.ec2's choice of
# instances (ec2_plan.c); their unit tests and moto tests (README.md).
# Included by CMakeLists.txt beside it, after plugin.cmake.
target_sources(plugin_aws PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/spot_fleet.c ${CMAKE_CURRENT_LIST_DIR}/ec2.c
  ${CMAKE_CURRENT_LIST_DIR}/aws_fleet_answer.c
  ${CMAKE_CURRENT_LIST_DIR}/aws_ec2_answer.c ${CMAKE_CURRENT_LIST_DIR}/ec2_plan.c)

if(SCALED_TESTS)
  # The readers without the network: real-shaped answers (from botocore's
  # model and moto's), AWS's three error forms, and garbage.
  scaled_unit_test(test_aws_fleet_answer
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/tests/test_aws_fleet_answer.c
    ${CMAKE_CURRENT_LIST_DIR}/aws_fleet_answer.c ${CMAKE_CURRENT_LIST_DIR}/aws_ec2_answer.c
    LIBS scaled_aws_client)
  target_include_directories(test_aws_fleet_answer PRIVATE ${CMAKE_CURRENT_LIST_DIR})

  # Which instances aws.ec2 starts and stops.
  scaled_unit_test(test_ec2_plan SOURCES ${CMAKE_CURRENT_LIST_DIR}/tests/test_ec2_plan.c
    ${CMAKE_CURRENT_LIST_DIR}/ec2_plan.c)
  target_include_directories(test_ec2_plan PRIVATE ${CMAKE_CURRENT_LIST_DIR})

  # Both targets against moto with signature checking on (skip: 77).
  find_package(Python3 COMPONENTS Interpreter)
  if(Python3_Interpreter_FOUND)
    foreach(t moto_spot_fleet moto_ec2)
      add_test(NAME ${t} COMMAND ${Python3_EXECUTABLE}
        ${CMAKE_CURRENT_LIST_DIR}/tests/${t}.py $<TARGET_FILE:scaled>)
      set_tests_properties(${t} PROPERTIES LABELS integration TIMEOUT 240
        SKIP_RETURN_CODE 77)
    endforeach()
  endif()
endif()
