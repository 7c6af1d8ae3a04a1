# The safety pipeline (core/group*.c) and decision records (core/decision.c).
set(PIPELINE_CORE ${CMAKE_SOURCE_DIR}/core/group.c ${CMAKE_SOURCE_DIR}/core/group_stages.c
  ${CMAKE_SOURCE_DIR}/core/group_mix.c
    ${CMAKE_SOURCE_DIR}/core/group_util.c ${CMAKE_SOURCE_DIR}/core/alloc.c)
foreach(t resolve combine stabilize cooldown rate rate_rules clamp decide mix)
  scaled_unit_test(test_group_${t}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_group_${t}.c ${PIPELINE_CORE}
    LIBS m)
endforeach()
scaled_unit_test(test_decision_json
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_decision_json.c ${CMAKE_SOURCE_DIR}/core/decision.c
  LIBS PkgConfig::CJSON m)
# The text written by hand, byte for byte the text cJSON made of the same
# fields (the reference is built in the test).
scaled_unit_test(test_decision_text
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_decision_text.c ${CMAKE_SOURCE_DIR}/core/decision.c
  LIBS PkgConfig::CJSON m)
# The decision ring (core/record.c): found by seq while kept.
scaled_unit_test(test_record SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_record.c LIBS scaled_static)
scaled_unit_test(test_policy_text SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_policy_text.c LIBS scaled_static m)
