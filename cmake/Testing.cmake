# What every test folder uses (included from the top CMakeLists.txt when
# SCALED_TESTS is on, before any folder is read, so that a plugin's tests can
# live in its own folder): cmocka, Python, and scaled_unit_test().
enable_testing()
pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
find_package(Python3 COMPONENTS Interpreter)
include(${CMAKE_CURRENT_LIST_DIR}/Fuzz.cmake)

# scaled_unit_test(NAME SOURCES... [LIBS ...]) - a cmocka test built from the
# given sources plus the core modules it names, so that a unit test links
# only what it tests.
function(scaled_unit_test name)
  cmake_parse_arguments(T "" "LABEL" "SOURCES;LIBS" ${ARGN})
  if(NOT T_LABEL)
    set(T_LABEL unit)
  endif()
  add_executable(${name} ${T_SOURCES})
  # core/ on the quote path only, so core/sched.h never shadows <sched.h>.
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/core/include
    ${CMAKE_SOURCE_DIR}/tests/unit)
  target_compile_options(${name} PRIVATE "SHELL:-iquote ${CMAKE_SOURCE_DIR}/core")
  target_compile_definitions(${name} PRIVATE _GNU_SOURCE
    SCALED_SOURCE_DIR="${CMAKE_SOURCE_DIR}" SCALED_BINARY_DIR="${CMAKE_BINARY_DIR}")
  target_link_libraries(${name} PRIVATE PkgConfig::CMOCKA scaled_warnings ${T_LIBS})
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS ${T_LABEL} TIMEOUT 120)
endfunction()
