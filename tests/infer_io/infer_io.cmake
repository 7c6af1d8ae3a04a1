# Tests of the inference worker's I/O side (cuda/io/image*, jobs*, results*,
# scaled-infer). The sources live in tests/infer_io/. The infer plugin's test
# (infer_io_plugin) lives beside the plugin, in plugins/infer/, and uses this
# folder's fixtures (spool_util.c, redis_server.c, fake_infer.c) by path.
set(infer_io_dir ${CMAKE_CURRENT_LIST_DIR})
# The Redis tests' own client (hiredis) and base64 (libcrypto).
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
pkg_check_modules(LIBCRYPTO REQUIRED IMPORTED_TARGET libcrypto)

scaled_unit_test(infer_io_image SOURCES ${infer_io_dir}/test_image.c
  LIBS scaled_infer_io)
scaled_unit_test(infer_io_jobs SOURCES ${infer_io_dir}/test_jobs.c ${infer_io_dir}/spool_util.c
  LIBS scaled_infer_io)
# The same queue without RENAME_NOREPLACE: the test defines renameat2 (and
# faccessat, linkat) itself, which the static library then calls.
scaled_unit_test(infer_io_jobs_spool_fallback SOURCES ${infer_io_dir}/test_jobs_spool_fallback.c
  ${infer_io_dir}/spool_util.c
  LIBS scaled_infer_io)
# The Redis list queue against a real redis-server (started by the test).
scaled_unit_test(infer_io_jobs_redis SOURCES ${infer_io_dir}/test_jobs_redis.c
  ${infer_io_dir}/redis_fx.c ${infer_io_dir}/redis_server.c LIBS scaled_infer_io
  PkgConfig::HIREDIS PkgConfig::LIBCRYPTO LABEL redis)
# Its recovery (lease) tests, on the same fixture (redis_fx.c).
scaled_unit_test(infer_io_jobs_redis_recover SOURCES ${infer_io_dir}/test_jobs_redis_recover.c
  ${infer_io_dir}/redis_fx.c ${infer_io_dir}/redis_server.c LIBS scaled_infer_io
  PkgConfig::HIREDIS PkgConfig::LIBCRYPTO LABEL redis)
scaled_unit_test(infer_io_results SOURCES ${infer_io_dir}/test_results.c
  LIBS scaled_infer_io)

# The batch steps and the scaled-infer CLI against a fake inference core
# (tests/infer_io/fake_infer.c): queue, batching and answering are tested
# whether or not the real core builds.
scaled_unit_test(infer_io_batch SOURCES ${infer_io_dir}/test_batch.c
  ${infer_io_dir}/fake_infer.c LIBS scaled_infer_io scaled_infer_api)

add_executable(scaled_infer_fake ${SCALED_INFER_CLI_SOURCES} ${infer_io_dir}/fake_infer.c)
target_include_directories(scaled_infer_fake PRIVATE ${CMAKE_SOURCE_DIR}/cuda/cli)
set_target_properties(scaled_infer_fake PROPERTIES OUTPUT_NAME scaled-infer-fake)
target_compile_definitions(scaled_infer_fake PRIVATE _GNU_SOURCE)
target_link_libraries(scaled_infer_fake PRIVATE scaled_infer_io scaled_infer_api scaled_warnings)
scaled_unit_test(infer_io_worker_fake SOURCES ${infer_io_dir}/test_worker.c ${infer_io_dir}/spool_util.c
  ${infer_io_dir}/redis_server.c LIBS PkgConfig::CJSON PkgConfig::HIREDIS PkgConfig::LIBCRYPTO
  LABEL integration)
target_compile_definitions(infer_io_worker_fake PRIVATE
  WORKER_BIN="$<TARGET_FILE:scaled_infer_fake>")
add_dependencies(infer_io_worker_fake scaled_infer_fake)

# The real scaled-infer (needs the inference core) on a tiny ONNX model that
# make_model.py builds with onnx.helper; NumPy gives the expected classes.
if(TARGET scaled_infer)
  execute_process(COMMAND /usr/bin/python3 -c "import numpy, onnx"
    RESULT_VARIABLE infer_io_py_rc OUTPUT_QUIET ERROR_QUIET)
  if(infer_io_py_rc EQUAL 0)
    scaled_unit_test(infer_io_worker_e2e SOURCES ${infer_io_dir}/test_worker.c ${infer_io_dir}/spool_util.c
      ${infer_io_dir}/redis_server.c LIBS PkgConfig::CJSON PkgConfig::HIREDIS
      PkgConfig::LIBCRYPTO LABEL integration)
    target_compile_definitions(infer_io_worker_e2e PRIVATE WORKER_REAL
      WORKER_BIN="$<TARGET_FILE:scaled_infer>"
      MAKE_MODEL_PY="${infer_io_dir}/make_model.py")
    add_dependencies(infer_io_worker_e2e scaled_infer)
  else()
    message(STATUS "infer_io_worker_e2e skipped: /usr/bin/python3 lacks numpy or onnx "
      "(apt install python3-numpy python3-onnx)")
  endif()
endif()
