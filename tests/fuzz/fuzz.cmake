# Fuzz harnesses (tests/fuzz/README.md): one per parser, each one file
# fuzz_NAME.c with LLVMFuzzerTestOneInput, a dictionary NAME.dict and a seed
# corpus corpus/NAME/. scaled_fuzz() and SCALED_FUZZ are in cmake/Fuzz.cmake.
if(SCALED_FUZZ)
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
