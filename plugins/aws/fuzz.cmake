# The SigV4 signer's fuzz harness (tests/fuzz_sigv4.c) through
# scaled_fuzz() (cmake/Fuzz.cmake): fuzz_sigv4, a ctest (label fuzz)
# replaying tests/fuzz_sigv4_corpus and 2000 mutants of each seed; with
# -DSCALED_FUZZ=ON and clang, fuzz_sigv4_libfuzzer too, and libFuzzer's
# coverage inside the signer.
# Included by CMakeLists.txt beside it.
if(SCALED_FUZZ AND CMAKE_C_COMPILER_ID MATCHES "Clang")
  target_compile_options(scaled_aws_sigv4 PRIVATE -fsanitize=fuzzer-no-link)
endif()

if(SCALED_TESTS)
  scaled_fuzz(sigv4 DIR ${CMAKE_CURRENT_LIST_DIR}/tests
    DICT ${CMAKE_CURRENT_LIST_DIR}/tests/fuzz_sigv4.dict
    CORPUS ${CMAKE_CURRENT_LIST_DIR}/tests/fuzz_sigv4_corpus LIBS scaled_aws_sigv4)
endif()
