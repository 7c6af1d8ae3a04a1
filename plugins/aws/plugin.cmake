# The aws plugin itself, aws.so (README.md): its descriptor (plugin.c), the
# kinds (spot_price.c, sqs.c), what the kinds share (aws_client.c: keys,
# credentials/region/endpoint, errors logged once), the Query API request
# (aws_query.c), the JSON protocol's (aws_json.c, with cJSON), the signing
# both share (aws_sign.c), on the static
# libraries of the earlier slices. Those go into a MODULE, so they are built
# position-independent. Included by CMakeLists.txt beside it.
set_target_properties(scaled_aws_sigv4 scaled_aws_creds scaled_aws_xml PROPERTIES
  POSITION_INDEPENDENT_CODE ON)
scaled_plugin(aws ${CMAKE_CURRENT_LIST_DIR}/plugin.c ${CMAKE_CURRENT_LIST_DIR}/aws_host.c
  ${CMAKE_CURRENT_LIST_DIR}/spot_price.c ${CMAKE_CURRENT_LIST_DIR}/sqs.c
  ${CMAKE_CURRENT_LIST_DIR}/aws_client.c ${CMAKE_CURRENT_LIST_DIR}/aws_json.c
  ${CMAKE_CURRENT_LIST_DIR}/aws_sign.c ${CMAKE_CURRENT_LIST_DIR}/aws_sqs_answer.c
  ${CMAKE_CURRENT_LIST_DIR}/aws_query.c ${CMAKE_CURRENT_LIST_DIR}/aws_retry.c)
target_link_libraries(plugin_aws PRIVATE scaled_aws_sigv4 scaled_aws_creds scaled_aws_xml
  PkgConfig::CJSON)

if(SCALED_TESTS)
  # The JSON protocol's answers without the network: AWS's error forms and
  # SQS's counts, fed garbage.
  scaled_unit_test(test_aws_json SOURCES ${CMAKE_CURRENT_LIST_DIR}/tests/test_aws_json.c
    ${CMAKE_CURRENT_LIST_DIR}/aws_json.c ${CMAKE_CURRENT_LIST_DIR}/aws_sign.c
    ${CMAKE_CURRENT_LIST_DIR}/aws_query.c ${CMAKE_CURRENT_LIST_DIR}/aws_sqs_answer.c
    LIBS scaled_aws_xml scaled_aws_sigv4 PkgConfig::CJSON)
  target_include_directories(test_aws_json PRIVATE ${CMAKE_CURRENT_LIST_DIR})
  # Which answers are tried again: statuses, throttling codes, garbage.
  scaled_unit_test(test_aws_retry SOURCES ${CMAKE_CURRENT_LIST_DIR}/tests/test_aws_retry.c
    ${CMAKE_CURRENT_LIST_DIR}/aws_retry.c ${CMAKE_CURRENT_LIST_DIR}/aws_json.c
    ${CMAKE_CURRENT_LIST_DIR}/aws_sign.c ${CMAKE_CURRENT_LIST_DIR}/aws_query.c
    LIBS scaled_aws_xml scaled_aws_sigv4 PkgConfig::CJSON)
  target_include_directories(test_aws_retry PRIVATE ${CMAKE_CURRENT_LIST_DIR})
endif()
