# The aws plugin's fuzz harnesses through scaled_fuzz() (cmake/Fuzz.cmake),
# each a ctest (label fuzz) replaying its corpus and mutants of each seed;
# with -DSCALED_FUZZ=ON and clang, fuzz_NAME_libfuzzer too, with libFuzzer's
# coverage inside the code under test:
#   sigv4          the SigV4 signer (tests/fuzz_sigv4.c)
#   aws_xml_kinds  Spot Fleet, Start/StopInstances, EC2 errors, CloudWatch,
#                  STS (tests/fuzz_aws_xml_kinds.c); aws_answers.h's own
#                  harness, fuzz_aws_xml, is xml.cmake's
#   aws_json       every JSON answer: errors, SQS, EventBridge events, ECS,
#                  Pricing, ECS/IMDS credentials (tests/fuzz_aws_json.c)
# The readers that only the plugin compiles are listed; what the kinds share
# comes with scaled_aws_client (plugin.cmake, read after this file).
# Included by CMakeLists.txt beside it.
if(SCALED_FUZZ AND CMAKE_C_COMPILER_ID MATCHES "Clang")
  target_compile_options(scaled_aws_sigv4 PRIVATE -fsanitize=fuzzer-no-link)
  # scaled_aws_client is defined later in this directory (plugin.cmake):
  # its answer readers (credentials, JSON errors) get coverage once it is.
  function(_aws_fuzz_cover_client)
    if(TARGET scaled_aws_client)
      target_compile_options(scaled_aws_client PRIVATE -fsanitize=fuzzer-no-link)
    endif()
  endfunction()
  cmake_language(DEFER CALL _aws_fuzz_cover_client)
endif()

if(SCALED_TESTS)
  set(_fz ${CMAKE_CURRENT_LIST_DIR}/tests)
  scaled_fuzz(sigv4 DIR ${_fz} DICT ${_fz}/fuzz_sigv4.dict CORPUS ${_fz}/fuzz_sigv4_corpus
    LIBS scaled_aws_sigv4)

  # Mutants per seed that keep each replay near 2 s under ASan (Debug) on two
  # cores: every input goes through every reader of the harness.
  scaled_fuzz(aws_xml_kinds RUNS 500 DIR ${_fz} DICT ${_fz}/fuzz_aws_xml_kinds.dict
    CORPUS ${_fz}/fuzz_aws_xml_kinds_corpus
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/aws_fleet_answer.c
    ${CMAKE_CURRENT_LIST_DIR}/aws_ec2_answer.c ${CMAKE_CURRENT_LIST_DIR}/aws_cw_answer.c
    LIBS scaled_aws_client)

  scaled_fuzz(aws_json RUNS 1000 DIR ${_fz} DICT ${_fz}/fuzz_aws_json.dict
    CORPUS ${_fz}/fuzz_aws_json_corpus
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/aws_sqs_answer.c
    ${CMAKE_CURRENT_LIST_DIR}/aws_sqs_batch.c ${CMAKE_CURRENT_LIST_DIR}/aws_ec2_event.c
    ${CMAKE_CURRENT_LIST_DIR}/aws_ecs_answer.c ${CMAKE_CURRENT_LIST_DIR}/aws_pricing_answer.c
    LIBS scaled_aws_client m)
endif()
