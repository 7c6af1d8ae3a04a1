# The cuDNN backend's test (cuda/gpu/): every model gen_models.py
# writes, run through the CUDA backend in FP32 and FP16 against the NumPy
# references, plus chunked / graph-less / pinned / repeated runs.
# Label: gpu (ctest -L gpu). It needs a GPU: without one it exits 77 and
# ctest reports it skipped ("no CUDA device: <reason>"), never passed.
get_property(scaled_cuda_built GLOBAL PROPERTY SCALED_CUDA_BUILT)
if(NOT TARGET scaled_infer_core OR NOT scaled_cuda_built)
  return()
endif()

scaled_unit_test(gpu_models_test
  SOURCES ${CMAKE_SOURCE_DIR}/tests/infer/test_gpu_models.c
          ${CMAKE_SOURCE_DIR}/tests/infer/infer_test_util.c
  LIBS scaled_infer_core
  LABEL gpu)
# The same directory infer_model.cmake's infer_models_gen fixture writes.
target_compile_definitions(gpu_models_test PRIVATE
  INFER_MODELS_DIR="${CMAKE_BINARY_DIR}/tests/infer-models")
set_tests_properties(gpu_models_test PROPERTIES
  FIXTURES_REQUIRED infer_models SKIP_RETURN_CODE 77 TIMEOUT 900)

# The same test against a host emulation of the CUDA runtime and cuDNN
# (tests/infer/cudnn_emu*.c): it runs everywhere, GPU or not, and checks the
# backend's own logic (layouts, views, paddings, fusions, chunks, buffer
# plan) in FP32 and FP16 storage against the NumPy references. It cannot
# say anything about cuDNN itself, kernels, streams or CUDA graphs: those
# are gpu_models_test's, on a GPU. The core's sources are compiled again
# here so that nothing links the real libraries.
get_property(gpu_emu_core_sources GLOBAL PROPERTY SCALED_INFER_CORE_SOURCES)
add_executable(gpu_plan_emu_test ${gpu_emu_core_sources}
  ${CMAKE_SOURCE_DIR}/tests/infer/test_gpu_models.c
  ${CMAKE_SOURCE_DIR}/tests/infer/infer_test_util.c
  ${CMAKE_SOURCE_DIR}/tests/infer/cudnn_emu.c
  ${CMAKE_SOURCE_DIR}/tests/infer/cudnn_emu_dnn.c
  ${CMAKE_SOURCE_DIR}/tests/infer/cudnn_emu_conv.c)
target_compile_definitions(gpu_plan_emu_test PRIVATE _GNU_SOURCE SCALED_HAVE_CUDA
  INFER_MODELS_DIR="${CMAKE_BINARY_DIR}/tests/infer-models")
foreach(d common graph onnx cpu gpu model)
  target_include_directories(gpu_plan_emu_test PRIVATE ${CMAKE_SOURCE_DIR}/cuda/${d})
endforeach()
target_include_directories(gpu_plan_emu_test SYSTEM PRIVATE
  $<TARGET_PROPERTY:scaled_cudnn,INTERFACE_INCLUDE_DIRECTORIES>)
target_link_libraries(gpu_plan_emu_test PRIVATE scaled_onnx_proto PkgConfig::CMOCKA
  Threads::Threads m scaled_warnings)
add_test(NAME gpu_plan_emu_test COMMAND gpu_plan_emu_test)
set_tests_properties(gpu_plan_emu_test PROPERTIES
  FIXTURES_REQUIRED infer_models SKIP_RETURN_CODE 77 LABELS "unit;infer" TIMEOUT 600)
