# Tests of the inference core (cuda/onnx/ and cuda/model/): the ONNX loader and the CPU
# backend. Labels: unit, infer.
#
#   infer_api_test      no Python needed: models built with protobuf-c in C
#   infer_models_gen    fixture: tests/infer/gen_models.py writes the ONNX
#                       models, inputs and NumPy reference outputs
#   infer_models_test   every model against its reference, bit-identical
#                       across threads and batch splits; fusions; sessions
#   infer_refusal_test  every bad model refused with the expected words;
#                       truncated, mutated files
#   infer_threads_test  the CPU thread pool, thousands of jobs on long-lived
#                       and fresh pools (no Python needed)
#   infer_threads_sessions  the same binary on models: threads 2 and 3,
#                       batches 1..8, thousands of runs, bit-identical to 1
#
# gen_models.py needs Debian's python3-numpy and python3-onnx, so it runs
# with /usr/bin/python3 (not whatever python3 is first on PATH). Without
# them it exits 77 and leaves a SKIP file; both it and infer_models_test
# then report "skipped", never a silent pass.
if(NOT TARGET scaled_infer_core)
  return()
endif()

set(SCALED_INFER_PYTHON "/usr/bin/python3" CACHE FILEPATH
  "Python with numpy and onnx that generates the inference test models")
set(infer_models_dir "${CMAKE_BINARY_DIR}/tests/infer-models")

if(EXISTS "${SCALED_INFER_PYTHON}")
  add_test(NAME infer_models_gen
    COMMAND ${SCALED_INFER_PYTHON} ${CMAKE_SOURCE_DIR}/tests/infer/gen_models.py
            ${infer_models_dir})
else()
  add_test(NAME infer_models_gen
    COMMAND sh -c "mkdir -p \"$1\" && echo \"$2 not found: install python3-numpy and python3-onnx\" > \"$1/SKIP\" && cat \"$1/SKIP\"; exit 77"
            sh ${infer_models_dir} ${SCALED_INFER_PYTHON})
endif()
set_tests_properties(infer_models_gen PROPERTIES
  FIXTURES_SETUP infer_models SKIP_RETURN_CODE 77 LABELS "unit;infer" TIMEOUT 300)

foreach(src test_infer_models test_infer_refusal)
  string(REGEX REPLACE "^test_(.*)$" "\\1_test" t ${src})
  scaled_unit_test(${t}
    SOURCES ${CMAKE_SOURCE_DIR}/tests/infer/${src}.c
            ${CMAKE_SOURCE_DIR}/tests/infer/infer_test_util.c
    LIBS scaled_infer_core)
  # The models' directory, unless given as the first argument.
  target_compile_definitions(${t} PRIVATE INFER_MODELS_DIR="${infer_models_dir}")
  set_tests_properties(${t} PROPERTIES
    FIXTURES_REQUIRED infer_models SKIP_RETURN_CODE 77 LABELS "unit;infer")
endforeach()

# A hang in the pool shows up as a test that never ends: the TIMEOUTs
# (several times what a sanitizer build takes) turn it into a failure.
scaled_unit_test(infer_threads_test
  SOURCES ${CMAKE_SOURCE_DIR}/tests/infer/test_infer_threads.c
          ${CMAKE_SOURCE_DIR}/tests/infer/infer_test_util.c
  LIBS scaled_infer_core)
target_compile_definitions(infer_threads_test PRIVATE INFER_MODELS_DIR="${infer_models_dir}")
set_tests_properties(infer_threads_test PROPERTIES LABELS "unit;infer" TIMEOUT 60)
add_test(NAME infer_threads_sessions COMMAND infer_threads_test sessions)
set_tests_properties(infer_threads_sessions PROPERTIES
  FIXTURES_REQUIRED infer_models SKIP_RETURN_CODE 77 LABELS "unit;infer" TIMEOUT 90)

scaled_unit_test(infer_api_test
  SOURCES ${CMAKE_SOURCE_DIR}/tests/infer/test_infer_api.c
          ${CMAKE_SOURCE_DIR}/tests/infer/infer_test_util.c
  LIBS scaled_infer_core)
target_include_directories(infer_api_test SYSTEM PRIVATE
  $<TARGET_PROPERTY:scaled_onnx_proto,INTERFACE_INCLUDE_DIRECTORIES>)
set_tests_properties(infer_api_test PROPERTIES LABELS "unit;infer")

# The real scaled with the real infer plugin (tests/infer/farm_check.sh):
# a hostile model is a configuration error, never a signal (issue 9, B10:
# it was SIGFPE); with no backend key the farm loads and runs on the CPU
# backend of a machine without a GPU, and backend "cuda" there is a clear
# error (A4).
if(TARGET scaled AND TARGET plugin_infer)
  set(infer_farm_check sh ${CMAKE_SOURCE_DIR}/tests/infer/farm_check.sh
    $<TARGET_FILE:scaled> $<TARGET_FILE_DIR:plugin_infer>)
  add_test(NAME infer_farm_hostile_model COMMAND ${infer_farm_check}
    ${infer_models_dir}/bad_reshape_wrap.onnx
    "refused:farm\\.lua:2: target \"t\": node 'rs' \\(Reshape\\): cannot reshape input shape \\[1,3,8,8\\]"
    "backend = \"cpu\"")
  add_test(NAME infer_farm_cuda_without_gpu COMMAND ${infer_farm_check}
    ${infer_models_dir}/bad_reshape_wrap.onnx
    "refused:farm\\.lua:2: target \"t\": no GPU \\(set backend = \"cpu\"" "backend = \"cuda\"")
  add_test(NAME infer_farm_auto_backend COMMAND ${infer_farm_check}
    ${infer_models_dir}/resnet_small.onnx
    "loads:target t: backend \"auto\": (no GPU .*, so the (CPU|oneDNN) backend|the GPU)")
  set_tests_properties(infer_farm_hostile_model infer_farm_cuda_without_gpu infer_farm_auto_backend
    PROPERTIES FIXTURES_REQUIRED infer_models LABELS "integration;infer" TIMEOUT 60
    SKIP_RETURN_CODE 77)
  execute_process(COMMAND /usr/bin/python3 -c "import numpy, onnx"
    RESULT_VARIABLE infer_farm_py_rc OUTPUT_QUIET ERROR_QUIET)
  if(infer_farm_py_rc EQUAL 0)
    add_test(NAME infer_farm_auto_backend_runs COMMAND ${infer_farm_check}
      ${CMAKE_SOURCE_DIR}/tests/infer_io/make_model.py runs:12)
    set_tests_properties(infer_farm_auto_backend_runs PROPERTIES
      LABELS "integration;infer" TIMEOUT 120 SKIP_RETURN_CODE 77)
  endif()
endif()
