# Credentials over the network (docs/credentials.md): the fetching
# state machine (aws_creds_fetch.c) behind aws_client_ready, its requests
# (aws_creds_req.c: IMDSv2, ECS, STS AssumeRole and
# AssumeRoleWithWebIdentity, token files) and its answers' readers
# (aws_creds_answer.c), added to the plugin. Included by CMakeLists.txt
# beside it, after plugin.cmake.

if(SCALED_TESTS)
  # The readers fed real-shaped answers and garbage (empty, cut short,
  # HTML, DOCTYPE, wrong types, missing fields, huge, expired); the requests
  # built; token files.
  scaled_unit_test(test_aws_creds_answer SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/tests/test_aws_creds_answer.c
    LIBS scaled_aws_client)
  target_include_directories(test_aws_creds_answer PRIVATE ${CMAKE_CURRENT_LIST_DIR})

  # The state machine driven through a fake host table (its HTTP answered
  # by the test, its clock virtual): IMDSv2 and ECS, refresh, backoff,
  # waiters, cancel, no secret in any log line.
  scaled_unit_test(test_aws_creds_fetch SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/tests/test_aws_creds_fetch.c
    ${CMAKE_CURRENT_LIST_DIR}/tests/aws_creds_fetch_fx.c
   
    LIBS scaled_aws_client)
  target_include_directories(test_aws_creds_fetch PRIVATE ${CMAKE_CURRENT_LIST_DIR})
  # The same on STS: AssumeRole chains signed hop by hop, web identity.
  scaled_unit_test(test_aws_creds_roles SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/tests/test_aws_creds_roles.c
    ${CMAKE_CURRENT_LIST_DIR}/tests/aws_creds_fetch_fx.c
   
    LIBS scaled_aws_client)
  target_include_directories(test_aws_creds_roles PRIVATE ${CMAKE_CURRENT_LIST_DIR})

  # The real daemon on fetched credentials: a fake IMDSv2 and ECS endpoint of
  # the test's own handing out credentials moto's STS issued, AssumeRole
  # against moto's STS, web identity through a fake STS checked against
  # botocore's model, garbage from a fake IMDS (tests/moto_creds.py).
  find_package(Python3 COMPONENTS Interpreter)
  if(Python3_Interpreter_FOUND)
    add_test(NAME moto_creds COMMAND ${Python3_EXECUTABLE}
      ${CMAKE_CURRENT_LIST_DIR}/tests/moto_creds.py $<TARGET_FILE:scaled>)
    set_tests_properties(moto_creds PROPERTIES LABELS integration TIMEOUT 300
      SKIP_RETURN_CODE 77)
  endif()
endif()
