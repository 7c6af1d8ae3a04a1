# The oneDNN backend's test (cuda/onednn/): every model of the
# infer_models_gen fixture (gen_models.py and its shape_/pad_ helpers) run
# through oneDNN and through the CPU reference backend, at threads 1 and 2,
# batch 1, the model's batch and batch 16; errors and refusals. Labels:
# unit, infer. Registered only where the backend is built (SCALED_ONEDNN);
# a build without it has no such test (nothing to skip).
get_property(scaled_onednn_built GLOBAL PROPERTY SCALED_ONEDNN_BUILT)
if(NOT TARGET scaled_infer_core OR NOT scaled_onednn_built)
  return()
endif()

scaled_unit_test(onednn_models_test
  SOURCES ${CMAKE_SOURCE_DIR}/tests/infer/test_onednn_models.c
          ${CMAKE_SOURCE_DIR}/tests/infer/infer_test_util.c
  LIBS scaled_infer_core)
target_compile_definitions(onednn_models_test PRIVATE
  INFER_MODELS_DIR="${CMAKE_BINARY_DIR}/tests/infer-models")
set_tests_properties(onednn_models_test PROPERTIES
  FIXTURES_REQUIRED infer_models SKIP_RETURN_CODE 77 LABELS "unit;infer" TIMEOUT 300)
