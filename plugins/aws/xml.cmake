# The Query API's XML answers (EC2, Auto Scaling), read with expat: a static
# library the plugin will link, its unit test and its fuzz harness
# (docs/internals.md). Included by CMakeLists.txt beside it.
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

  # The fuzz harness through scaled_fuzz() (cmake/Fuzz.cmake): fuzz_aws_xml,
  # a ctest (label fuzz) replaying the fixtures and 2000 mutants of each;
  # with -DSCALED_FUZZ=ON and clang, fuzz_aws_xml_libfuzzer too.
  scaled_fuzz(aws_xml DIR ${CMAKE_CURRENT_LIST_DIR}/tests
    DICT ${CMAKE_CURRENT_LIST_DIR}/tests/fuzz_aws_xml.dict
    CORPUS ${CMAKE_CURRENT_LIST_DIR}/tests/fixtures/xml LIBS scaled_aws_xml)
endif()
