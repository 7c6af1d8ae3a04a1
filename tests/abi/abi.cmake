# The plugin ABI: the loader (core/plugin_load.c, plugin_check.c, plugin_fail.c,
# and config_limits.c, which checks key limits) against real mock plugins.
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
scaled_abi_mock(mocks reserved_stale MOCK_RESERVED_STALE)
scaled_abi_mock(mocks reserved_poll MOCK_RESERVED_POLL)
scaled_abi_mock(mocks bad_role MOCK_BAD_ROLE)
scaled_abi_mock(mocks short_kind MOCK_SHORT_KIND)
scaled_abi_mock(mocks unnamed_kind MOCK_UNNAMED_KIND)
scaled_abi_mock(mocks no_kinds MOCK_NO_KINDS)
scaled_abi_mock(mocks old_minor MOCK_OLD_MINOR)
scaled_abi_mock(mocks mix_source MOCK_MIX_SOURCE)
scaled_abi_mock(mocks limit_unknown_key MOCK_LIMIT_UNKNOWN_KEY)
scaled_abi_mock(mocks limit_twice MOCK_LIMIT_TWICE)
scaled_abi_mock(mocks limit_default_out MOCK_LIMIT_DEFAULT_OUT)
scaled_abi_mock(mocks limit_bad_bound MOCK_LIMIT_BAD_BOUND)
scaled_abi_mock(mocks limit_choices_on_int MOCK_LIMIT_CHOICES_ON_INT)
scaled_abi_mock(mocks limit_short MOCK_LIMIT_SHORT)
scaled_abi_mock(mocks limit_huge MOCK_LIMIT_HUGE)
scaled_abi_mock(mocks limit_bad_default MOCK_LIMIT_BAD_DEFAULT)
scaled_abi_mock(mocks enum_no_choices MOCK_ENUM_NO_CHOICES)
scaled_abi_mock(mocks future_minor MOCK_FUTURE_MINOR)
scaled_abi_mock(mocks_alt good MOCK_VERSION="alt")
scaled_abi_mock(mocks_alt only_alt)
scaled_abi_mock(mocks_build only_build)
scaled_abi_mock(mocks_install only_install)

# A file named like a plugin that is not a shared object at all.
# ... and a directory named like one.
file(MAKE_DIRECTORY ${SCALED_ABI_DIR}/mocks/a_dir.so)
file(WRITE ${SCALED_ABI_DIR}/mocks/not_elf.so "this is not an ELF file\n")

# Two test binaries, one per topic, built alike; abi_util.c is what they
# share, test_abi_trace() included (every binary that loads mocks needs it).
# test_abi_keys: key tables as config_values.c and config_limits.c read them.
foreach(t test_abi test_abi_path test_abi_keys)
  scaled_unit_test(${t}
    SOURCES ${SCALED_ABI_SRC}/${t}.c
            ${SCALED_ABI_SRC}/abi_util.c
            ${CMAKE_SOURCE_DIR}/core/plugin_load.c
            ${CMAKE_SOURCE_DIR}/core/plugin_check.c
            ${CMAKE_SOURCE_DIR}/core/plugin_fail.c
            ${CMAKE_SOURCE_DIR}/core/config_values.c
            ${CMAKE_SOURCE_DIR}/core/config_limits.c
            ${CMAKE_SOURCE_DIR}/core/duration.c
            ${CMAKE_SOURCE_DIR}/core/paths.c
            ${CMAKE_SOURCE_DIR}/core/alloc.c
    LIBS ${CMAKE_DL_LIBS} Threads::Threads PkgConfig::LUA m
    LABEL abi)
  target_compile_definitions(${t} PRIVATE
    SCALED_ABI_DIR="${SCALED_ABI_DIR}"
    SCALED_BUILD_PLUGIN_DIR="${SCALED_ABI_DIR}/mocks_build"
    SCALED_INSTALL_PLUGIN_DIR="${SCALED_ABI_DIR}/mocks_install"
    ${SCALED_PATHS_DEFINES})
  # The mocks find test_abi_trace() in the test binary.
  set_target_properties(${t} PROPERTIES ENABLE_EXPORTS ON)
  add_dependencies(${t} ${SCALED_ABI_MOCK_TARGETS})
  # The test sets and unsets it itself; start from a known state.
  set_tests_properties(${t} PROPERTIES ENVIRONMENT "SCALED_PLUGIN_PATH=")
endforeach()


# The real binary: `scaled --check` on tiny farms that each name one mock.
# A refused plugin is a configuration error: exit 2 and the loader's reason.
# scaled_abi_check(FARM RC REGEX) - tests/abi/farms/FARM.lua
function(scaled_abi_check farm rc regex)
  add_test(NAME abi_check_${farm}
    COMMAND ${CMAKE_COMMAND} -DSCALED=$<TARGET_FILE:scaled>
            -DFARM=${SCALED_ABI_SRC}/farms/${farm}.lua
            -DPLUGIN_DIR=${SCALED_ABI_DIR}/mocks
            -DEXPECT_RC=${rc} "-DEXPECT_RE=${regex}"
            -P ${SCALED_ABI_SRC}/farms/run_check.cmake)
  set_tests_properties(abi_check_${farm} PROPERTIES LABELS abi TIMEOUT 60
    ENVIRONMENT "SCALED_PLUGIN_PATH=")
endfunction()

scaled_abi_check(good 0 "plugin good +1\\.0-mock .*mocks/good\\.so.*source files +kind mock_source.*ok")
scaled_abi_check(mix_old_minor 2
  "mix_old_minor\\.lua:5: group \"g\": target \"pool\" \\(kind \"mock_target\"\\) cannot apply a market mix")
scaled_abi_check(mix_good 0 "group +g +target pool.*ok")
scaled_abi_check(wrong_major 2
  "wrong_major\\.lua:1: .*mocks/wrong_major\\.so: built for plugin ABI 2\\.0, this scaled has 1\\.4")
scaled_abi_check(short_struct 2
  "short_struct\\.so: descriptor too short: 8 bytes, need at least [0-9]+")
scaled_abi_check(missing_symbol 2
  "missing_symbol\\.so: not a scaled plugin: no scaled_plugin_entry symbol")
scaled_abi_check(name_mismatch 2
  "name_mismatch\\.so: the descriptor is named \"someone_else\", but the file is name_mismatch\\.so")
scaled_abi_check(failing_init 2
  "failing_init\\.so: init\\(\\) failed \\(Input/output error\\): cannot reach the GPU")
scaled_abi_check(bad_kind 2
  "bad_kind\\.so: kind \"mock_target\": a target kind needs create, destroy, poll and apply; it lacks apply")
scaled_abi_check(bad_key 2
  "bad_key\\.so: kind \"mock_source\": key \"limit\" is required and has a default")
scaled_abi_check(traversal 2
  "traversal\\.lua:2: .*plugin name \"\\.\\./mocks_alt/good\": only letters, digits")
scaled_abi_check(probe_skip 0 "plugin \"probe_declines\": .*probe_declines\\.so: skipped: no GPU.*plugin good .*ok")
scaled_abi_check(missing 2 "missing\\.lua:1: .*plugin \"nope\": no nope\\.so in .*mocks")
scaled_abi_check(limit_value 2
  "limit_value\\.lua:3: source \"files\": key \"depth\": 11 is not between 0 and 10")

# Events from plugins (host->event, ABI 1.4): the event_probe test plugin in
# the real engine (virtual clock, the sim plugin's targets), and its own
# SCALED_HOST_HAS check on a host table of ABI 1.3.
add_library(event_probe MODULE ${SCALED_ABI_SRC}/event_probe.c)
set_target_properties(event_probe PROPERTIES PREFIX ""
  LIBRARY_OUTPUT_DIRECTORY ${SCALED_ABI_DIR}/event_plugins
  C_VISIBILITY_PRESET hidden)
target_include_directories(event_probe PRIVATE ${CMAKE_SOURCE_DIR}/core/include)
target_compile_definitions(event_probe PRIVATE _GNU_SOURCE)
target_link_libraries(event_probe PRIVATE scaled_warnings)
scaled_unit_test(test_abi_event SOURCES ${SCALED_ABI_SRC}/test_abi_event.c
  LIBS scaled_static ${CMAKE_DL_LIBS} LABEL abi)
target_compile_definitions(test_abi_event PRIVATE
  SCALED_EVENT_PLUGIN_DIR="${SCALED_ABI_DIR}/event_plugins")
add_dependencies(test_abi_event event_probe plugin_sim)
