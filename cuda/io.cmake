# The I/O side of the inference worker: image decoding, the job queue, the
# results file (library scaled_infer_io, built everywhere), and, once the
# inference core (scaled_infer_core, cuda/model.cmake) exists, the
# scaled-infer binary and the `infer` plugin.
pkg_check_modules(LIBJPEG REQUIRED IMPORTED_TARGET libjpeg)

add_library(scaled_infer_io STATIC
  ${CMAKE_CURRENT_LIST_DIR}/image.c
  ${CMAKE_CURRENT_LIST_DIR}/image_jpeg.c
  ${CMAKE_CURRENT_LIST_DIR}/image_resize.c
  ${CMAKE_CURRENT_LIST_DIR}/jobs_spool.c
  ${CMAKE_CURRENT_LIST_DIR}/results.c)
target_include_directories(scaled_infer_io PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_compile_definitions(scaled_infer_io PRIVATE _GNU_SOURCE)
target_link_libraries(scaled_infer_io
  PUBLIC PkgConfig::LIBJPEG PkgConfig::CJSON Threads::Threads m
  PRIVATE scaled_warnings)
