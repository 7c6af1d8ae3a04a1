# The plugin ABI: the loader (core/plugin_load.c) against real mock plugins.
#
# Every mock is tests/abi/mock_plugin.c built as a MODULE with one variant
# define, into ${CMAKE_BINARY_DIR}/tests/abi/<dir>/NAME.so:
#   mocks/          the plugins the tests load by name
#   mocks_alt/      a second good.so (search order) and only_alt.so
#   mocks_build/    what the test binary takes for the compiled-in build dir
#   mocks_install/  ... and for the compiled-in install dir
set(SCALED_ABI_DIR ${CMAKE_BINARY_DIR}/tests/abi)
set(SCALED_ABI_SRC ${CMAKE_CURRENT_LIST_DIR})
set(SCALED_ABI_MOCK_TARGETS "")

# scaled_abi_mock(DIR NAME [DEFS ...]) - DIR/NAME.so from mock_plugin.c
function(scaled_abi_mock dir name)
  set(t abi_mock_${dir}_${name})
  add_library(${t} MODULE ${SCALED_ABI_SRC}/mock_plugin.c)
  set_target_properties(${t} PROPERTIES
    OUTPUT_NAME ${name} PREFIX "" SUFFIX ".so"
    LIBRARY_OUTPUT_DIRECTORY ${SCALED_ABI_DIR}/${dir}
    C_VISIBILITY_PRESET hidden)
  target_include_directories(${t} PRIVATE ${CMAKE_SOURCE_DIR}/core/include)
  target_compile_definitions(${t} PRIVATE _GNU_SOURCE MOCK_FILE_NAME="${name}" ${ARGN})
  target_link_libraries(${t} PRIVATE scaled_warnings)
  set(SCALED_ABI_MOCK_TARGETS ${SCALED_ABI_MOCK_TARGETS} ${t} PARENT_SCOPE)
endfunction()

scaled_abi_mock(mocks good)
scaled_abi_mock(mocks wrong_major MOCK_WRONG_MAJOR)
scaled_abi_mock(mocks short_struct MOCK_SHORT_STRUCT)
scaled_abi_mock(mocks missing_symbol MOCK_MISSING_SYMBOL)
scaled_abi_mock(mocks null_descriptor MOCK_NULL_DESCRIPTOR)
scaled_abi_mock(mocks name_mismatch MOCK_NAME_MISMATCH)
scaled_abi_mock(mocks failing_init MOCK_FAILING_INIT)
scaled_abi_mock(mocks probe_declines MOCK_PROBE_DECLINES)
scaled_abi_mock(mocks bad_kind MOCK_BAD_KIND)
scaled_abi_mock(mocks dup_kind MOCK_DUP_KIND)
scaled_abi_mock(mocks bad_key MOCK_BAD_KEY)
scaled_abi_mock(mocks dup_key MOCK_DUP_KEY)
scaled_abi_mock(mocks bad_key_type MOCK_BAD_KEY_TYPE)
scaled_abi_mock(mocks reserved_key MOCK_RESERVED_KEY)
scaled_abi_mock(mocks bad_role MOCK_BAD_ROLE)
scaled_abi_mock(mocks short_kind MOCK_SHORT_KIND)
scaled_abi_mock(mocks unnamed_kind MOCK_UNNAMED_KIND)
scaled_abi_mock(mocks no_kinds MOCK_NO_KINDS)
scaled_abi_mock(mocks old_minor MOCK_OLD_MINOR)
scaled_abi_mock(mocks future_minor MOCK_FUTURE_MINOR)
scaled_abi_mock(mocks_alt good MOCK_VERSION="alt")
scaled_abi_mock(mocks_alt only_alt)
scaled_abi_mock(mocks_build only_build)
scaled_abi_mock(mocks_install only_install)

# A file named like a plugin that is not a shared object at all.
# ... and a directory named like one.
file(MAKE_DIRECTORY ${SCALED_ABI_DIR}/mocks/a_dir.so)
file(WRITE ${SCALED_ABI_DIR}/mocks/not_elf.so "this is not an ELF file\n")

scaled_unit_test(test_abi
  SOURCES ${SCALED_ABI_SRC}/test_abi.c
          ${CMAKE_SOURCE_DIR}/core/plugin_load.c
          ${CMAKE_SOURCE_DIR}/core/alloc.c
  LIBS ${CMAKE_DL_LIBS} Threads::Threads
  LABEL abi)
target_compile_definitions(test_abi PRIVATE
  SCALED_ABI_DIR="${SCALED_ABI_DIR}"
  SCALED_BUILD_PLUGIN_DIR="${SCALED_ABI_DIR}/mocks_build"
  SCALED_INSTALL_PLUGIN_DIR="${SCALED_ABI_DIR}/mocks_install")
# The mocks find test_abi_trace() in the test binary.
set_target_properties(test_abi PROPERTIES ENABLE_EXPORTS ON)
add_dependencies(test_abi ${SCALED_ABI_MOCK_TARGETS})
# The test sets and unsets it itself; start from a known state.
set_tests_properties(test_abi PROPERTIES ENVIRONMENT "SCALED_PLUGIN_PATH=")
