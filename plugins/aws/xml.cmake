# The Query API's XML answers (EC2, Auto Scaling), read with expat: a static
# library the plugin will link, its unit test and its fuzz harness
# (README.md, "XML answers"). Included by CMakeLists.txt beside it.
pkg_check_modules(EXPAT REQUIRED IMPORTED_TARGET expat>=2.2)

add_library(scaled_aws_xml STATIC
  ${CMAKE_CURRENT_LIST_DIR}/aws_xml.c
  ${CMAKE_CURRENT_LIST_DIR}/aws_answers.c
  ${CMAKE_CURRENT_LIST_DIR}/aws_values.c)
target_include_directories(scaled_aws_xml PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(scaled_aws_xml PUBLIC PkgConfig::EXPAT PRIVATE scaled_warnings)
# Coverage for libFuzzer inside the parsers, as tests/fuzz/fuzz.cmake gives
# the core's libraries (that file checks SCALED_FUZZ's other needs).
if(SCALED_FUZZ AND CMAKE_C_COMPILER_ID MATCHES "Clang")
  target_compile_options(scaled_aws_xml PRIVATE -fsanitize=fuzzer-no-link)
endif()

if(SCALED_TESTS)
  # Every answer from hand-written fixtures (tests/fixtures/xml, written
  # from botocore's models), pagination, both error answers, the value
  # readers, and every refusal with its message.
  scaled_unit_test(test_aws_xml SOURCES ${CMAKE_CURRENT_LIST_DIR}/tests/test_aws_xml.c
    ${CMAKE_CURRENT_LIST_DIR}/tests/test_aws_xml_hostile.c
    ${CMAKE_CURRENT_LIST_DIR}/tests/aws_xml_fx.c LIBS scaled_aws_xml)
  target_compile_definitions(test_aws_xml PRIVATE
    AWS_XML_FIXTURES="${CMAKE_CURRENT_LIST_DIR}/tests/fixtures/xml")

  # The fuzz harness, registered as tests/fuzz/fuzz.cmake registers its own
  # (that file is read after plugins/, so its scaled_fuzz() is not there
  # yet): fuzz_aws_xml with tests/fuzz/replay_main.c, always built, a ctest
  # (label fuzz) replaying the fixtures and 2000 mutants of each; with
  # -DSCALED_FUZZ=ON and clang, fuzz_aws_xml_libfuzzer too.
  set(aws_fuzz_variants fuzz_aws_xml)
  if(SCALED_FUZZ AND CMAKE_C_COMPILER_ID MATCHES "Clang")
    list(APPEND aws_fuzz_variants fuzz_aws_xml_libfuzzer)
  endif()
  foreach(t ${aws_fuzz_variants})
    if(t STREQUAL "fuzz_aws_xml")
      add_executable(${t} ${CMAKE_CURRENT_LIST_DIR}/tests/fuzz_aws_xml.c
        ${CMAKE_SOURCE_DIR}/tests/fuzz/replay_main.c)
    else()
      add_executable(${t} ${CMAKE_CURRENT_LIST_DIR}/tests/fuzz_aws_xml.c)
      target_compile_options(${t} PRIVATE -fsanitize=fuzzer)
      target_link_options(${t} PRIVATE -fsanitize=fuzzer)
    endif()
    set_target_properties(${t} PROPERTIES RUNTIME_OUTPUT_DIRECTORY
      ${CMAKE_BINARY_DIR}/tests/fuzz)
    target_include_directories(${t} PRIVATE ${CMAKE_SOURCE_DIR}/tests/fuzz)
    target_compile_definitions(${t} PRIVATE _GNU_SOURCE)
    target_link_libraries(${t} PRIVATE scaled_aws_xml scaled_warnings)
  endforeach()
  add_test(NAME fuzz_aws_xml COMMAND fuzz_aws_xml
    -d ${CMAKE_CURRENT_LIST_DIR}/tests/fuzz_aws_xml.dict
    ${CMAKE_CURRENT_LIST_DIR}/tests/fixtures/xml)
  set_tests_properties(fuzz_aws_xml PROPERTIES LABELS fuzz TIMEOUT 60
    WORKING_DIRECTORY ${CMAKE_BINARY_DIR}/tests/fuzz)
endif()
