# The cuDNN backend's test (cuda/gpu.cmake): every model gen_models.py
# writes, run through the CUDA backend in FP32 and FP16 against the NumPy
# references, plus chunked / graph-less / pinned / repeated runs.
# Label: gpu (ctest -L gpu). It needs a GPU: without one it exits 77 and
# ctest reports it skipped ("no CUDA device: <reason>"), never passed.
get_property(scaled_cuda_built GLOBAL PROPERTY SCALED_CUDA_BUILT)
if(NOT TARGET scaled_infer_core OR NOT scaled_cuda_built)
  return()
endif()

scaled_unit_test(gpu_models_test
  SOURCES ${CMAKE_SOURCE_DIR}/tests/infer/gpu_models_test.c
          ${CMAKE_SOURCE_DIR}/tests/infer/infer_test_util.c
  LIBS scaled_infer_core
  LABEL gpu)
# The same directory infer_model.cmake's infer_models_gen fixture writes.
target_compile_definitions(gpu_models_test PRIVATE
  INFER_MODELS_DIR="${CMAKE_BINARY_DIR}/tests/infer-models")
set_tests_properties(gpu_models_test PROPERTIES
  FIXTURES_REQUIRED infer_models SKIP_RETURN_CODE 77 TIMEOUT 900)
