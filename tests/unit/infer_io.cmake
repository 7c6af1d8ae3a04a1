# Tests of the inference worker's I/O side (cuda/image*, jobs*, results*,
# scaled-infer, the infer plugin). The sources live in tests/infer_io/.
set(infer_io_dir ${CMAKE_CURRENT_LIST_DIR}/../infer_io)

scaled_unit_test(infer_io_image SOURCES ${infer_io_dir}/test_image.c
  LIBS scaled_infer_io)
scaled_unit_test(infer_io_jobs SOURCES ${infer_io_dir}/test_jobs.c
  LIBS scaled_infer_io)
scaled_unit_test(infer_io_results SOURCES ${infer_io_dir}/test_results.c
  LIBS scaled_infer_io)
