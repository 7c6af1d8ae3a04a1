# The inference core (issue 4): ONNX loader, internal graph, CPU backend.
# Builds everywhere libprotobuf-c and protoc-c exist; needs nothing from core/.
#
# onnx.pb-c.[ch] are generated at build time from the onnx.proto that
# Debian's libonnx-dev installs. That file is the plain (non -ml) schema:
# package onnx, proto2, no imports, so protoc-c takes it as it is. Models
# written with the -ml schema parse with it too: the ML-only fields are
# extensions of TypeProto that protobuf-c skips as unknown fields.

set(SCALED_ONNX_PROTO "/usr/include/onnx/onnx.proto" CACHE FILEPATH
  "onnx.proto to generate the ONNX loader's protobuf-c code from")
find_program(SCALED_PROTOC_C protoc-c)
pkg_check_modules(PROTOBUF_C IMPORTED_TARGET libprotobuf-c)

if(NOT PROTOBUF_C_FOUND OR NOT SCALED_PROTOC_C OR NOT EXISTS "${SCALED_ONNX_PROTO}")
  message(WARNING "inference core not built: needs libprotobuf-c (pkg-config), "
    "protoc-c and ${SCALED_ONNX_PROTO} (apt install libprotobuf-c-dev "
    "protobuf-c-compiler libonnx-dev)")
  return()
endif()

set(SCALED_ONNX_GEN_DIR "${CMAKE_CURRENT_BINARY_DIR}/onnx-gen")
get_filename_component(SCALED_ONNX_PROTO_DIR "${SCALED_ONNX_PROTO}" DIRECTORY)
add_custom_command(
  OUTPUT "${SCALED_ONNX_GEN_DIR}/onnx.pb-c.c" "${SCALED_ONNX_GEN_DIR}/onnx.pb-c.h"
  COMMAND ${CMAKE_COMMAND} -E make_directory "${SCALED_ONNX_GEN_DIR}"
  COMMAND ${SCALED_PROTOC_C} "--proto_path=${SCALED_ONNX_PROTO_DIR}"
          "--c_out=${SCALED_ONNX_GEN_DIR}" "${SCALED_ONNX_PROTO}"
  DEPENDS "${SCALED_ONNX_PROTO}"
  COMMENT "Generating protobuf-c code from ${SCALED_ONNX_PROTO}"
  VERBATIM)

# Generated code: compiled without the project's warning flags.
add_library(scaled_onnx_proto OBJECT "${SCALED_ONNX_GEN_DIR}/onnx.pb-c.c")
target_include_directories(scaled_onnx_proto SYSTEM PUBLIC "${SCALED_ONNX_GEN_DIR}")
target_link_libraries(scaled_onnx_proto PUBLIC PkgConfig::PROTOBUF_C)

set(SCALED_INFER_CORE_SOURCES
  onnx_load.c
  onnx_attr.c
  onnx_tensor.c
  onnx_conv.c
  onnx_ops.c
  onnx_pad.c
  onnx_shape.c
  graph.c
  graph_shape.c
  graph_fuse.c
  cpu_backend.c
  cpu_threads.c
  cpu_gemm.c
  cpu_conv.c
  cpu_pool.c
  cpu_ops.c
  infer_model.c
)
list(TRANSFORM SCALED_INFER_CORE_SOURCES PREPEND "${CMAKE_CURRENT_SOURCE_DIR}/")

add_library(scaled_infer_core STATIC ${SCALED_INFER_CORE_SOURCES})
target_include_directories(scaled_infer_core PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_compile_definitions(scaled_infer_core PRIVATE _GNU_SOURCE)
target_link_libraries(scaled_infer_core
  PUBLIC PkgConfig::PROTOBUF_C Threads::Threads m
  PRIVATE scaled_onnx_proto scaled_warnings)  # the object library's objects go in the archive
# The kernels are the hot path even in debug builds of everything else.
set_source_files_properties(
  ${CMAKE_CURRENT_SOURCE_DIR}/cpu_gemm.c
  ${CMAKE_CURRENT_SOURCE_DIR}/cpu_conv.c
  ${CMAKE_CURRENT_SOURCE_DIR}/cpu_pool.c
  ${CMAKE_CURRENT_SOURCE_DIR}/cpu_ops.c
  PROPERTIES COMPILE_OPTIONS "-O3")
