# aws.spot_price against moto with signature checking on (tests/
# moto_spot_price.py, ../shared/TESTING.md): the real daemon publishes
# moto's price and a wrong secret is a clear AuthFailure. Skips (77) when
# moto or boto3 is not installed. Included by CMakeLists.txt beside it.
if(SCALED_TESTS)
  find_package(Python3 COMPONENTS Interpreter)
  if(Python3_Interpreter_FOUND)
    add_test(NAME moto_spot_price COMMAND ${Python3_EXECUTABLE}
      ${CMAKE_CURRENT_LIST_DIR}/tests/moto_spot_price.py $<TARGET_FILE:scaled>)
    set_tests_properties(moto_spot_price PROPERTIES LABELS integration TIMEOUT 120
      SKIP_RETURN_CODE 77)
  endif()
endif()
