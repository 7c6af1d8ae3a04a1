# The I/O side of the inference worker: image decoding, the job queue, the
# results file and the batch steps (library scaled_infer_io, built
# everywhere), and, once the inference core (scaled_infer_core, from
# cuda/model.cmake) exists, the scaled-infer binary and the `infer` plugin.
pkg_check_modules(LIBJPEG REQUIRED IMPORTED_TARGET libjpeg)
# The Redis list queue: hiredis for the protocol, OpenSSL's libcrypto for
# base64 payloads.
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
pkg_check_modules(LIBCRYPTO REQUIRED IMPORTED_TARGET libcrypto)
set(SCALED_INFER_IO_DIR ${CMAKE_CURRENT_LIST_DIR})

# jobs_batch.c calls the inference API (cuda/infer.h): whatever links it
# also links an implementation, the real core or the tests' fake one.
add_library(scaled_infer_io STATIC
  ${CMAKE_CURRENT_LIST_DIR}/errfmt.c
  ${CMAKE_CURRENT_LIST_DIR}/image.c
  ${CMAKE_CURRENT_LIST_DIR}/image_jpeg.c
  ${CMAKE_CURRENT_LIST_DIR}/image_resize.c
  ${CMAKE_CURRENT_LIST_DIR}/jobs_spool.c
  ${CMAKE_CURRENT_LIST_DIR}/jobs_redis.c
  ${CMAKE_CURRENT_LIST_DIR}/jobs_redis_conn.c
  ${CMAKE_CURRENT_LIST_DIR}/jobs_url.c
  ${CMAKE_CURRENT_LIST_DIR}/jobs_batch.c
  ${CMAKE_CURRENT_LIST_DIR}/results.c)
target_include_directories(scaled_infer_io PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_compile_definitions(scaled_infer_io PRIVATE _GNU_SOURCE)
target_link_libraries(scaled_infer_io
  PUBLIC PkgConfig::LIBJPEG PkgConfig::CJSON Threads::Threads m
  PRIVATE PkgConfig::HIREDIS PkgConfig::LIBCRYPTO scaled_warnings)

# model.cmake sorts after this file, so the parts that need the core are
# declared at the end of the cuda/ directory, when it has been read.
function(scaled_infer_io_late)
  if(NOT TARGET scaled_infer_core)
    message(STATUS "scaled-infer and the infer plugin wait for scaled_infer_core")
    return()
  endif()
  add_executable(scaled_infer ${SCALED_INFER_IO_DIR}/infer_main.c
    ${SCALED_INFER_IO_DIR}/infer_run.c ${SCALED_INFER_IO_DIR}/infer_bench.c)
  set_target_properties(scaled_infer PROPERTIES OUTPUT_NAME scaled-infer
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
  target_compile_definitions(scaled_infer PRIVATE _GNU_SOURCE)
  target_link_libraries(scaled_infer PRIVATE scaled_infer_io scaled_infer_core
    scaled_warnings)
  install(TARGETS scaled_infer RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

  if(COMMAND scaled_plugin)
    scaled_plugin(infer ${SCALED_INFER_IO_DIR}/infer_plugin.c
      ${SCALED_INFER_IO_DIR}/infer_plugin_worker.c)
    target_link_libraries(plugin_infer PRIVATE scaled_infer_io scaled_infer_core)
  endif()
endfunction()
cmake_language(DEFER DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR} CALL scaled_infer_io_late)
