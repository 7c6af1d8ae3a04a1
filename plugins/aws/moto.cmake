# aws.spot_price and aws.sqs against moto with signature checking on (tests/
# moto_spot_price.py, tests/moto_sqs.py, both on tests/moto_fx.py,
# ../shared/TESTING.md): the real
# daemon publishes moto's price / the queue's depth and a wrong secret is a
# clear AuthFailure / SignatureDoesNotMatch. Skips (77) when
# moto or boto3 is not installed. Included by CMakeLists.txt beside it.
if(SCALED_TESTS)
  find_package(Python3 COMPONENTS Interpreter)
  if(Python3_Interpreter_FOUND)
    add_test(NAME moto_spot_price COMMAND ${Python3_EXECUTABLE}
      ${CMAKE_CURRENT_LIST_DIR}/tests/moto_spot_price.py $<TARGET_FILE:scaled>)
    set_tests_properties(moto_spot_price PROPERTIES LABELS integration TIMEOUT 120
      SKIP_RETURN_CODE 77)
    add_test(NAME moto_sqs COMMAND ${Python3_EXECUTABLE}
      ${CMAKE_CURRENT_LIST_DIR}/tests/moto_sqs.py $<TARGET_FILE:scaled>)
    set_tests_properties(moto_sqs PROPERTIES LABELS integration TIMEOUT 120
      SKIP_RETURN_CODE 77)
  endif()
endif()
