# The cuDNN backend (issue 4, GPU half): cuda_*.c, plain C against the CUDA
# runtime and cuDNN 9's legacy API, compiled into scaled_infer_core when
# cuda/CMakeLists.txt found both (scaled_cuda_found). It defines
# SCALED_HAVE_CUDA (public: scaled-infer uses it for pinned bench buffers)
# and the global property SCALED_CUDA_BUILT, which tests/unit/infer_gpu.cmake
# reads to register the GPU test.
if(NOT scaled_cuda_found)
  return()
endif()

set(SCALED_CUDA_SOURCES
  cuda_backend.c
  cuda_plan.c
  cuda_plan_view.c
  cuda_plan_node.c
  cuda_plan_fuse.c
  cuda_plan_buffers.c
  cuda_ops.c
  cuda_conv.c
  cuda_exec.c
  cuda_errors.c
)
list(TRANSFORM SCALED_CUDA_SOURCES PREPEND "${CMAKE_CURRENT_LIST_DIR}/")

# cuDNN's headers are SYSTEM: their declarations are not ours to warn about.
add_library(scaled_cudnn INTERFACE)
target_include_directories(scaled_cudnn SYSTEM INTERFACE ${SCALED_CUDNN_INCLUDE}
  ${CUDAToolkit_INCLUDE_DIRS})
target_link_libraries(scaled_cudnn INTERFACE ${SCALED_CUDNN_LIBRARY} CUDA::cudart)

# model.cmake (which makes scaled_infer_core) sorts after this file: add the
# backend to it once the directory has been read.
function(scaled_cuda_backend_late)
  if(NOT TARGET scaled_infer_core)
    message(STATUS "scaled: the cuDNN backend waits for scaled_infer_core (not built)")
    return()
  endif()
  target_sources(scaled_infer_core PRIVATE ${SCALED_CUDA_SOURCES})
  # The legacy cuDNN API (cudnn_ops.h, cudnn_cnn.h) is marked deprecated in
  # cuDNN 9 in favour of the graph API; it is still shipped and supported,
  # and it is what this backend is written against. Its warnings only show
  # with CUDNN_WARN_DEPRECATED, but keep them off here (and only here) so
  # that -Werror builds do not depend on how cuDNN's headers are set up.
  set_source_files_properties(${SCALED_CUDA_SOURCES} PROPERTIES
    COMPILE_OPTIONS "-Wno-deprecated-declarations")
  target_compile_definitions(scaled_infer_core PUBLIC SCALED_HAVE_CUDA)
  target_link_libraries(scaled_infer_core PUBLIC scaled_cudnn)
  set_property(GLOBAL PROPERTY SCALED_CUDA_BUILT TRUE)
endfunction()
cmake_language(DEFER DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR} CALL scaled_cuda_backend_late)
