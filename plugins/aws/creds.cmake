# AWS credentials, region and endpoint (aws_creds.h), the parts that need no
# network: the environment, the shared config and credentials files and
# their profiles, and what ECS, IMDSv2 and STS would need. Included by
# CMakeLists.txt (OPTIONAL); a static library the plugin will link.
add_library(scaled_aws_creds STATIC aws_creds.c aws_creds_config.c aws_creds_ini.c
  aws_creds_region.c)
target_include_directories(scaled_aws_creds PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_compile_definitions(scaled_aws_creds PRIVATE _GNU_SOURCE)
target_link_libraries(scaled_aws_creds PRIVATE scaled_warnings)

if(SCALED_TESTS)
  # Every provider and the order between them, profiles and role chains,
  # region and endpoint, the files' syntax and hostile files (fixtures in
  # tests/fixtures/creds), and no secret in any message.
  scaled_unit_test(test_aws_creds SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/test_aws_creds.c
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/test_aws_creds_region.c
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/test_aws_creds_ini.c
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/aws_creds_fx.c LIBS scaled_aws_creds)
endif()
