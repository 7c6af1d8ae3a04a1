# The target aws.asg (docs/aws.asg.md): an EC2 Auto Scaling group
# (asg.c), the Query forms it sends (asg_form.c) and what it makes of an
# answer and an apply (asg_plan.c); their unit tests (tests/test_aws_asg.c:
# the forms fed odd values, the plan, the state, the state;
# tests/test_aws_asg_kind.c: the kind through a fake host table), the moto
# test (tests/moto_asg.py) and the example farms' checks
# (docs/examples/CMakeLists.txt). Included by CMakeLists.txt beside it.
target_sources(plugin_aws PRIVATE ${CMAKE_CURRENT_LIST_DIR}/asg.c
  ${CMAKE_CURRENT_LIST_DIR}/asg_form.c ${CMAKE_CURRENT_LIST_DIR}/asg_plan.c)

if(SCALED_TESTS)
  set(_asg_kind_sources ${CMAKE_CURRENT_LIST_DIR}/asg.c ${CMAKE_CURRENT_LIST_DIR}/asg_form.c
    ${CMAKE_CURRENT_LIST_DIR}/asg_plan.c)
  foreach(t test_aws_asg test_aws_asg_kind)
    scaled_unit_test(${t} SOURCES ${CMAKE_CURRENT_LIST_DIR}/tests/${t}.c ${_asg_kind_sources}
      LIBS scaled_aws_client)
    target_include_directories(${t} PRIVATE ${CMAKE_CURRENT_LIST_DIR})
    target_compile_definitions(${t} PRIVATE
      AWS_XML_FIXTURES="${CMAKE_CURRENT_LIST_DIR}/tests/fixtures/xml")
  endforeach()

  # Against moto with signature checking on: SQS depth driving the group
  # from 0 up and back to 0, the market mix failing over on a replay of
  # real spot history and back, a wrong secret. Skips (77) without moto,
  # boto3 or ../shared/testdata.
  find_package(Python3 COMPONENTS Interpreter)
  if(Python3_Interpreter_FOUND)
    add_test(NAME moto_asg COMMAND ${Python3_EXECUTABLE}
      ${CMAKE_CURRENT_LIST_DIR}/tests/moto_asg.py $<TARGET_FILE:scaled>)
    set_tests_properties(moto_asg PROPERTIES LABELS integration TIMEOUT 180
      SKIP_RETURN_CODE 77 ENVIRONMENT "SCALED_TESTDATA_DIR=${SCALED_TESTDATA_DIR}")
  endif()
endif()
