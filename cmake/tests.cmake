# Tests mirror src/: tests/<module>/test_*.c are cmocka programs linked with libsecgen;
# tests/<module>/test_*.sh are shell tests run with SECGEN (the CLI), SHARED (../shared) and
# TMPDIR set. Both are picked up by glob, so a module adds tests without editing this file.
pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
set(SECGEN_SHARED_DIR "${PROJECT_SOURCE_DIR}/../shared" CACHE PATH "shared/ data folder")
file(GLOB SECGEN_C_TESTS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/*/test_*.c)
foreach(t ${SECGEN_C_TESTS})
  get_filename_component(name ${t} NAME_WE)
  get_filename_component(dir ${t} DIRECTORY)
  get_filename_component(module ${dir} NAME)
  set(target ${module}_${name})
  add_executable(${target} ${t})
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(${target} PRIVATE secgen_lib PkgConfig::CMOCKA)
  if(name MATCHES "^test_oom")
    # allocation-failure injection: the library's malloc/calloc/realloc go through tests/oom_inject.h
    target_link_options(${target} PRIVATE -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc)
  endif()
  target_compile_definitions(${target} PRIVATE
    SG_TEST_SHARED="${SECGEN_SHARED_DIR}" SG_TEST_DATA="${PROJECT_SOURCE_DIR}/tests/data"
    SG_TEST_SOURCE="${PROJECT_SOURCE_DIR}")
  add_test(NAME ${module}/${name} COMMAND ${target})
  set_tests_properties(${module}/${name} PROPERTIES LABELS ${module} TIMEOUT 900)
endforeach()
file(GLOB SECGEN_SH_TESTS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/*/test_*.sh)
foreach(t ${SECGEN_SH_TESTS})
  get_filename_component(name ${t} NAME_WE)
  get_filename_component(dir ${t} DIRECTORY)
  get_filename_component(module ${dir} NAME)
  add_test(NAME ${module}/${name} COMMAND bash ${t})
  set_tests_properties(${module}/${name} PROPERTIES LABELS ${module} TIMEOUT 900
    ENVIRONMENT "SECGEN=$<TARGET_FILE:secgen>;SHARED=${SECGEN_SHARED_DIR};SRC=${PROJECT_SOURCE_DIR};TESTDATA=${PROJECT_SOURCE_DIR}/tests/data")
endforeach()
