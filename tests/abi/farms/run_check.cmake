# run_check.cmake - run `scaled --check` on a farm and check both its exit
# status and its output (PASS_REGULAR_EXPRESSION alone ignores the status).
#   cmake -DSCALED=... -DFARM=... -DPLUGIN_DIR=... -DEXPECT_RC=N
#         -DEXPECT_RE=regex -P run_check.cmake
execute_process(
  COMMAND ${SCALED} --check -c ${FARM} --plugin-dir ${PLUGIN_DIR}
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE out
  ERROR_VARIABLE out)
message("${out}")
if(NOT rc STREQUAL "${EXPECT_RC}")
  message(FATAL_ERROR "scaled exited with ${rc}, expected ${EXPECT_RC}")
endif()
if(NOT out MATCHES "${EXPECT_RE}")
  message(FATAL_ERROR "output does not match: ${EXPECT_RE}")
endif()
