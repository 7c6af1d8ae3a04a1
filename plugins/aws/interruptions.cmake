# aws.interruptions (interruptions.c: EventBridge's EC2 events from SQS,
# delivered to policies through host->event, ABI 1.4; aws_ec2_event.c and
# aws_sqs_batch.c read them) and aws.on_demand_price (on_demand_price.c:
# the Pricing API's GetProducts, aws_pricing_answer.c, or a table in the
# farm). Included, OPTIONAL, by CMakeLists.txt beside it, after plugin.cmake.
target_sources(plugin_aws PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/interruptions.c ${CMAKE_CURRENT_LIST_DIR}/aws_ec2_event.c
  ${CMAKE_CURRENT_LIST_DIR}/aws_sqs_batch.c ${CMAKE_CURRENT_LIST_DIR}/on_demand_price.c
  ${CMAKE_CURRENT_LIST_DIR}/aws_pricing_answer.c)

if(SCALED_TESTS)
  # The readers without the network: real-shaped events and answers (as
  # AWS's docs and botocore's models show them) and garbage.
  scaled_unit_test(test_aws_ec2_event SOURCES ${CMAKE_CURRENT_LIST_DIR}/tests/test_aws_ec2_event.c
    ${CMAKE_CURRENT_LIST_DIR}/aws_ec2_event.c ${CMAKE_CURRENT_LIST_DIR}/aws_sqs_batch.c
    LIBS scaled_aws_xml PkgConfig::CJSON)
  scaled_unit_test(test_aws_pricing SOURCES ${CMAKE_CURRENT_LIST_DIR}/tests/test_aws_pricing.c
    ${CMAKE_CURRENT_LIST_DIR}/aws_pricing_answer.c LIBS scaled_aws_xml PkgConfig::CJSON)
  foreach(t test_aws_ec2_event test_aws_pricing)
    target_include_directories(${t} PRIVATE ${CMAKE_CURRENT_LIST_DIR})
  endforeach()
  target_compile_definitions(test_aws_pricing PRIVATE
    AWS_PRICING_FIXTURES="${CMAKE_CURRENT_LIST_DIR}/tests/fixtures/pricing")

  # Against real parts: moto's SQS with signature checking on (events to a
  # policy, counts, the queue emptied, garbage deleted), and a fake of the
  # Pricing API that checks each request against botocore's model (moto has
  # none), plus the farm's table without the network.
  find_package(Python3 COMPONENTS Interpreter)
  if(Python3_Interpreter_FOUND)
    foreach(t moto_interruptions pricing_fake)
      add_test(NAME ${t} COMMAND ${Python3_EXECUTABLE}
        ${CMAKE_CURRENT_LIST_DIR}/tests/${t}.py $<TARGET_FILE:scaled>)
      set_tests_properties(${t} PROPERTIES LABELS integration TIMEOUT 180
        SKIP_RETURN_CODE 77)
    endforeach()
  endif()
endif()
