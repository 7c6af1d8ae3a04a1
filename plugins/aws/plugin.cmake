# The aws plugin itself, aws.so (README.md). What every kind shares is one
# static library the plugin and the unit tests link, scaled_aws_client:
# the client of one service (aws_client.c: keys, credentials resolved and
# fetched over the network by aws_creds_fetch.c with aws_creds_req.c and
# aws_creds_answer.c, errors logged once), a kind's signed request and why
# it failed (aws_call.c), the Query API's request
# (aws_query.c), the JSON protocol's (aws_json.c, with cJSON), the signing
# both share (aws_sign.c), which answers are retried (aws_retry.c) and the
# host table's global (aws_host.c); on the static libraries of the earlier
# slices. The plugin itself is the descriptor (plugin.c) and the kinds
# (here spot_price.c, sqs.c; the other slices' fragments add theirs). All of
# it goes into a MODULE, so it is built position-independent. Included by
# CMakeLists.txt beside it.
add_library(scaled_aws_client STATIC ${CMAKE_CURRENT_LIST_DIR}/aws_client.c ${CMAKE_CURRENT_LIST_DIR}/aws_call.c ${CMAKE_CURRENT_LIST_DIR}/aws_creds_fetch.c ${CMAKE_CURRENT_LIST_DIR}/aws_creds_req.c ${CMAKE_CURRENT_LIST_DIR}/aws_creds_answer.c
  ${CMAKE_CURRENT_LIST_DIR}/aws_json.c ${CMAKE_CURRENT_LIST_DIR}/aws_query.c ${CMAKE_CURRENT_LIST_DIR}/aws_sign.c ${CMAKE_CURRENT_LIST_DIR}/aws_retry.c ${CMAKE_CURRENT_LIST_DIR}/aws_host.c)
target_include_directories(scaled_aws_client PUBLIC ${CMAKE_CURRENT_LIST_DIR}
  ${CMAKE_SOURCE_DIR}/core/include)
target_compile_definitions(scaled_aws_client PRIVATE _GNU_SOURCE)
target_link_libraries(scaled_aws_client PUBLIC scaled_aws_creds scaled_aws_xml scaled_aws_sigv4
  PkgConfig::CJSON PRIVATE scaled_warnings)
set_target_properties(scaled_aws_client scaled_aws_sigv4 scaled_aws_creds scaled_aws_xml
  PROPERTIES POSITION_INDEPENDENT_CODE ON)
scaled_plugin(aws ${CMAKE_CURRENT_LIST_DIR}/plugin.c ${CMAKE_CURRENT_LIST_DIR}/spot_price.c
  ${CMAKE_CURRENT_LIST_DIR}/sqs.c ${CMAKE_CURRENT_LIST_DIR}/aws_sqs_answer.c)
target_link_libraries(plugin_aws PRIVATE scaled_aws_client)

if(SCALED_TESTS)
  # The JSON protocol's answers without the network: AWS's error forms and
  # SQS's counts, fed garbage.
  scaled_unit_test(test_aws_json SOURCES ${CMAKE_CURRENT_LIST_DIR}/tests/test_aws_json.c
 ${CMAKE_CURRENT_LIST_DIR}/aws_sqs_answer.c
    LIBS scaled_aws_client)
  target_include_directories(test_aws_json PRIVATE ${CMAKE_CURRENT_LIST_DIR})
  # A kind's request as the host gets it, and why one failed (aws_call.c).
  scaled_unit_test(test_aws_call SOURCES ${CMAKE_CURRENT_LIST_DIR}/tests/test_aws_call.c
    LIBS scaled_aws_client)
  target_include_directories(test_aws_call PRIVATE ${CMAKE_CURRENT_LIST_DIR})
  # Which answers are tried again: statuses, throttling codes, garbage.
  scaled_unit_test(test_aws_retry SOURCES ${CMAKE_CURRENT_LIST_DIR}/tests/test_aws_retry.c
    LIBS scaled_aws_client)
  target_include_directories(test_aws_retry PRIVATE ${CMAKE_CURRENT_LIST_DIR})
endif()
