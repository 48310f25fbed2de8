# libFuzzer targets: fuzz/fuzz_<name>.c, each defining LLVMFuzzerTestOneInput. Needs clang.
# The library must carry libFuzzer's coverage instrumentation too, or the fuzzers only see the
# coverage of their own tiny file and mutate blindly.
foreach(t ${SECGEN_MODULE_TARGETS})
  target_compile_options(${t} PRIVATE -fsanitize=fuzzer-no-link)
endforeach()
file(GLOB SECGEN_FUZZERS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/fuzz/fuzz_*.c)
foreach(f ${SECGEN_FUZZERS})
  get_filename_component(name ${f} NAME_WE)
  add_executable(${name} ${f})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_libraries(${name} PRIVATE secgen_lib)
endforeach()
