# The SigV4 signer's fuzz harness (tests/fuzz_sigv4.c), registered as
# xml.cmake registers fuzz_aws_xml: fuzz_sigv4 with tests/fuzz/replay_main.c,
# always built, a ctest (label fuzz) replaying tests/fuzz_sigv4_corpus and
# 2000 mutants of each seed; with -DSCALED_FUZZ=ON and clang,
# fuzz_sigv4_libfuzzer too, and libFuzzer's coverage inside the signer.
# Included by CMakeLists.txt beside it.
if(SCALED_FUZZ AND CMAKE_C_COMPILER_ID MATCHES "Clang")
  target_compile_options(scaled_aws_sigv4 PRIVATE -fsanitize=fuzzer-no-link)
endif()

if(SCALED_TESTS)
  set(sigv4_fuzz_variants fuzz_sigv4)
  if(SCALED_FUZZ AND CMAKE_C_COMPILER_ID MATCHES "Clang")
    list(APPEND sigv4_fuzz_variants fuzz_sigv4_libfuzzer)
  endif()
  foreach(t ${sigv4_fuzz_variants})
    if(t STREQUAL "fuzz_sigv4")
      add_executable(${t} ${CMAKE_CURRENT_LIST_DIR}/tests/fuzz_sigv4.c
        ${CMAKE_SOURCE_DIR}/tests/fuzz/replay_main.c)
    else()
      add_executable(${t} ${CMAKE_CURRENT_LIST_DIR}/tests/fuzz_sigv4.c)
      target_compile_options(${t} PRIVATE -fsanitize=fuzzer)
      target_link_options(${t} PRIVATE -fsanitize=fuzzer)
    endif()
    set_target_properties(${t} PROPERTIES RUNTIME_OUTPUT_DIRECTORY
      ${CMAKE_BINARY_DIR}/tests/fuzz)
    target_include_directories(${t} PRIVATE ${CMAKE_SOURCE_DIR}/tests/fuzz)
    target_compile_definitions(${t} PRIVATE _GNU_SOURCE)
    target_link_libraries(${t} PRIVATE scaled_aws_sigv4 scaled_warnings)
  endforeach()
  add_test(NAME fuzz_sigv4 COMMAND fuzz_sigv4
    -d ${CMAKE_CURRENT_LIST_DIR}/tests/fuzz_sigv4.dict
    ${CMAKE_CURRENT_LIST_DIR}/tests/fuzz_sigv4_corpus)
  set_tests_properties(fuzz_sigv4 PROPERTIES LABELS fuzz TIMEOUT 60
    WORKING_DIRECTORY ${CMAKE_BINARY_DIR}/tests/fuzz)
endif()
