# The engine through its public API, on a virtual clock, with the sim plugin.
scaled_unit_test(test_engine SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_engine.c
  LIBS scaled_static)
add_dependencies(test_engine plugin_sim)
# Two engines in one process, each logging to its own sink (core/log.h).
scaled_unit_test(test_engine_log SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_engine_log.c
  LIBS scaled_static)
add_dependencies(test_engine_log plugin_sim)
# Events for policies through the embedding API (scaled_engine_event).
scaled_unit_test(test_engine_events SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_engine_events.c
  LIBS scaled_static)
add_dependencies(test_engine_events plugin_sim)
# The embedding additions of scaled simulate: an in-process plugin and the
# kind map (no .so needed).
scaled_unit_test(test_engine_embed SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_engine_embed.c
  LIBS scaled_static)
# scaled_options.group_policy: one policy for every group (the simulator's
# baselines), with the sim plugin.
scaled_unit_test(test_engine_group_policy
  SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_engine_group_policy.c LIBS scaled_static)
add_dependencies(test_engine_group_policy plugin_sim)
