# archived_library(name HDRS … SRCS … DEPS … PRIVATE_DEPS …): one module = one target
# `archived_<name>` with the alias `archived::<name>`; includes are rooted at the repo.
function(archived_library name)
  cmake_parse_arguments(ARG "" "" "HDRS;SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(archived_${name} STATIC ${ARG_SRCS} ${ARG_HDRS})
  add_library(archived::${name} ALIAS archived_${name})
  target_include_directories(archived_${name} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/proto)
  target_link_libraries(archived_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# archived_test(name SRCS … DEPS … [LABEL unit]): one gtest binary, its tests discovered by ctest.
function(archived_test name)
  if(NOT ARCHIVED_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "LABEL" "SRCS;DEPS" ${ARGN})
  if(NOT ARG_LABEL)
    set(ARG_LABEL unit)
  endif()
  add_executable(${name} ${ARG_SRCS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS ${ARG_LABEL})
endfunction()
