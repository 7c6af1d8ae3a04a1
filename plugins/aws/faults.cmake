# The aws plugin against faults, on a loopback server of the test's own
# that checks every request against botocore's model (tests/faults.py,
# tests/fault_server.py, tests/api_model.py): 500s then success, a
# throttling storm, a timeout, truncated / malformed / oversized JSON and
# XML answers, NextToken pages, an Auto Scaling group whose
# SetDesiredCapacity fails twice (one action); another group keeps ticking
# meanwhile. Skips (77) without botocore. Included by CMakeLists.txt.
if(SCALED_TESTS AND Python3_Interpreter_FOUND)
  add_test(NAME aws_faults COMMAND ${Python3_EXECUTABLE}
    ${CMAKE_CURRENT_LIST_DIR}/tests/faults.py $<TARGET_FILE:scaled>)
  set_tests_properties(aws_faults PROPERTIES LABELS integration TIMEOUT 120
    SKIP_RETURN_CODE 77)
endif()
