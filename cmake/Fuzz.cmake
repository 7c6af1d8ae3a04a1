# The fuzz harnesses' build (tests/fuzz/README.md), here rather than in
# tests/fuzz/ so that a plugin folder, read before tests/, can declare its
# own harness with scaled_fuzz(). Included by Testing.cmake.
#
# Always built: fuzz_NAME, the harness with replay_main.c, registered as a
# ctest (label fuzz) that runs every seed and a fixed set of mutants of it.
# With -DSCALED_FUZZ=ON and clang: also fuzz_NAME_libfuzzer, the harness
# with libFuzzer, ASan and UBSan, for real fuzzing sessions.
option(SCALED_FUZZ "Also build libFuzzer binaries of the fuzz harnesses (needs clang)" OFF)

set(fuzz_dir ${CMAKE_SOURCE_DIR}/tests/fuzz)
set(fuzz_bin ${CMAKE_BINARY_DIR}/tests/fuzz)

if(SCALED_FUZZ AND NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "SCALED_FUZZ=ON needs clang (CC=clang): libFuzzer is part of clang's "
    "compiler-rt, not of ${CMAKE_C_COMPILER_ID}")
endif()

# scaled_fuzz(NAME [RUNS n] [TIMEOUT s] [DIR d] [DICT f] [CORPUS d] SOURCES ... LIBS ...)
#   RUNS     mutants per seed in the ctest replay (default: replay_main's 2000)
#   SOURCES  core sources compiled in, for harnesses that link no library
#   DIR      where fuzz_NAME.c is (default tests/fuzz); DICT and CORPUS
#            default to tests/fuzz's NAME.dict and corpus/NAME, so that a
#            plugin keeps its harness, dictionary and seeds in its folder
function(scaled_fuzz name)
  cmake_parse_arguments(F "" "RUNS;TIMEOUT;DIR;DICT;CORPUS" "SOURCES;LIBS" ${ARGN})
  if(NOT F_DIR)
    set(F_DIR ${fuzz_dir})
  endif()
  if(NOT F_DICT)
    set(F_DICT ${fuzz_dir}/${name}.dict)
  endif()
  if(NOT F_CORPUS)
    set(F_CORPUS ${fuzz_dir}/corpus/${name})
  endif()
  if(NOT F_TIMEOUT)
    set(F_TIMEOUT 60)
  endif()
  set(runs)
  if(F_RUNS)
    set(runs -n ${F_RUNS})
  endif()

  set(variants fuzz_${name})
  if(SCALED_FUZZ)
    list(APPEND variants fuzz_${name}_libfuzzer)
  endif()
  foreach(t ${variants})
    if(t STREQUAL "fuzz_${name}")
      add_executable(${t} ${F_DIR}/fuzz_${name}.c ${fuzz_dir}/replay_main.c ${F_SOURCES})
    else()
      add_executable(${t} ${F_DIR}/fuzz_${name}.c ${F_SOURCES})
      target_compile_options(${t} PRIVATE -fsanitize=fuzzer)
      target_link_options(${t} PRIVATE -fsanitize=fuzzer)
    endif()
    set_target_properties(${t} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${fuzz_bin})
    # core/ on the quote path only, as for the unit tests (core/sched.h
    # must not shadow <sched.h>).
    target_include_directories(${t} PRIVATE ${CMAKE_SOURCE_DIR}/core/include ${fuzz_dir})
    target_compile_options(${t} PRIVATE "SHELL:-iquote ${CMAKE_SOURCE_DIR}/core")
    target_compile_definitions(${t} PRIVATE _GNU_SOURCE
      SCALED_SOURCE_DIR="${CMAKE_SOURCE_DIR}" SCALED_BINARY_DIR="${CMAKE_BINARY_DIR}")
    target_link_libraries(${t} PRIVATE scaled_warnings ${F_LIBS})
  endforeach()

  add_test(NAME fuzz_${name}
    COMMAND fuzz_${name} ${runs} -d ${F_DICT} ${F_CORPUS})
  # Crash files (crash-replay-*) land in the test's directory, not the tree.
  set_tests_properties(fuzz_${name} PROPERTIES LABELS fuzz TIMEOUT ${F_TIMEOUT}
    WORKING_DIRECTORY ${fuzz_bin})
endfunction()
