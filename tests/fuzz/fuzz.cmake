# Fuzz harnesses (tests/fuzz/README.md): one per parser, each one file
# fuzz_NAME.c with LLVMFuzzerTestOneInput, a dictionary NAME.dict and a seed
# corpus corpus/NAME/.
#
# Always built: fuzz_NAME, the harness with replay_main.c, registered as a
# ctest (label fuzz) that runs every seed and a fixed set of mutants of it.
# With -DSCALED_FUZZ=ON and clang: also fuzz_NAME_libfuzzer, the harness
# with libFuzzer, ASan and UBSan, for real fuzzing sessions.
option(SCALED_FUZZ "Also build libFuzzer binaries of the fuzz harnesses (needs clang)" OFF)

set(fuzz_dir ${CMAKE_CURRENT_LIST_DIR})
set(fuzz_bin ${CMAKE_BINARY_DIR}/tests/fuzz)

if(SCALED_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "SCALED_FUZZ=ON needs clang (CC=clang): libFuzzer is part of clang's "
      "compiler-rt, not of ${CMAKE_C_COMPILER_ID}")
  endif()
  # ASan and UBSan must be on everywhere, not only in the fuzzers: the code
  # under test lives in libraries that the daemon and the other tests link
  # too, and once it is instrumented they all need the sanitizer runtime.
  if(NOT SCALED_SANITIZE)
    message(FATAL_ERROR "SCALED_FUZZ=ON needs SCALED_SANITIZE=ON as well")
  endif()
  # Coverage for the code under test, not only for the harness: without it
  # libFuzzer is blind inside the parsers. The ASan runtime that everything
  # links provides the coverage callbacks to binaries without libFuzzer.
  # Not the plugins: the engine dlcloses them with every engine it frees,
  # and libFuzzer then reads the unmapped counters of the closed module.
  foreach(t scaled_core scaled_infer_common scaled_infer_graph scaled_infer_onnx
      scaled_infer_cpu scaled_infer_core scaled_infer_io scaled_onnx_proto)
    if(TARGET ${t})
      target_compile_options(${t} PRIVATE -fsanitize=fuzzer-no-link)
    endif()
  endforeach()
endif()

# scaled_fuzz(NAME [RUNS n] [TIMEOUT s] SOURCES ... LIBS ...)
#   RUNS     mutants per seed in the ctest replay (default: replay_main's 2000)
#   SOURCES  core sources compiled in, for harnesses that link no library
function(scaled_fuzz name)
  cmake_parse_arguments(F "" "RUNS;TIMEOUT" "SOURCES;LIBS" ${ARGN})
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
      add_executable(${t} ${fuzz_dir}/fuzz_${name}.c ${fuzz_dir}/replay_main.c ${F_SOURCES})
    else()
      add_executable(${t} ${fuzz_dir}/fuzz_${name}.c ${F_SOURCES})
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
    COMMAND fuzz_${name} ${runs} -d ${fuzz_dir}/${name}.dict ${fuzz_dir}/corpus/${name})
  # Crash files (crash-replay-*) land in the test's directory, not the tree.
  set_tests_properties(fuzz_${name} PROPERTIES LABELS fuzz TIMEOUT ${F_TIMEOUT}
    WORKING_DIRECTORY ${fuzz_bin})
endfunction()

scaled_fuzz(duration SOURCES ${CMAKE_SOURCE_DIR}/core/duration.c)

scaled_fuzz(decision_json SOURCES ${CMAKE_SOURCE_DIR}/core/decision.c
  LIBS PkgConfig::CJSON m)

# The whole engine, with the sim plugin from this build. A loaded farm runs
# for simulated minutes: 500 mutants a seed keep the replay near 1.5 s under
# ASan (Debug), where 2000 take 6.
scaled_fuzz(farm RUNS 500 LIBS scaled_static)
add_dependencies(fuzz_farm plugin_sim)
if(TARGET fuzz_farm_libfuzzer)
  add_dependencies(fuzz_farm_libfuzzer plugin_sim)
endif()

# The replay plugin's trace reader, its two files compiled in (the plugin
# itself is a MODULE; its header stays in its folder).
scaled_fuzz(trace_csv SOURCES ${CMAKE_SOURCE_DIR}/plugins/replay/replay_csv.c
  ${CMAKE_SOURCE_DIR}/plugins/replay/replay_field.c LIBS m)
foreach(t fuzz_trace_csv fuzz_trace_csv_libfuzzer)
  if(TARGET ${t})
    target_include_directories(${t} PRIVATE ${CMAKE_SOURCE_DIR}/plugins/replay)
  endif()
endforeach()

if(TARGET scaled_infer_core)
  # onnx.h and graph.h (internal) come with the library's include path; the
  # harness reads the graph to skip models too large to run.
  scaled_fuzz(onnx LIBS scaled_infer_core m)
endif()

if(TARGET scaled_infer_io)
  scaled_fuzz(jpeg LIBS scaled_infer_io m)
endif()
