# Per-module libraries and the layering of design.md §2, enforced by the build.
#
# Every folder src/<module>/ (except src/cli) is an OBJECT library secgen_<module>. Its layer entry
# below says which modules it may use; the build enforces it twice:
#  - headers: a module compiles with an include directory that holds only its own public header
#    and those of the modules it may use (build/layers/<module>/secgen/*.h, links to
#    include/secgen/), and only its own src/<module>/ for "module/internal.h" headers; including
#    any other secgen header fails to compile;
#  - symbols: secgen_layercheck_<module> links the module's objects with the objects of the modules
#    it may use and nothing else (plus its allowed external libraries); calling a function of any
#    other module fails to link. These targets are part of the default build.
# libsecgen (target secgen_lib, build/<preset>/libsecgen.a) is the aggregate of every module: the
# CLI, tests, fuzzers and benchmarks link it alone. tests/build/test_layering.sh checks that a
# forbidden include and a forbidden call are rejected.
#
# Layers (data flows one way): core -> flow, bn -> {extract, fc, tadam}, netcfg -> packets ->
# {attacks, logs} -> generate; eval; cli on top. A module not listed here is a configure error.
set(SECGEN_LAYER_core "")
set(SECGEN_LAYER_flow core)
set(SECGEN_LAYER_bn core)
set(SECGEN_LAYER_extract core flow)
set(SECGEN_LAYER_fc core flow bn)
set(SECGEN_LAYER_tadam core flow bn)
set(SECGEN_LAYER_netcfg core flow)
set(SECGEN_LAYER_packets core flow bn extract fc tadam netcfg)
set(SECGEN_LAYER_attacks core flow netcfg packets) # design.md: attacks -> generate
set(SECGEN_LAYER_logs core flow netcfg packets tadam) # design.md: logs -> generate; tadam: the HDFS log automaton
set(SECGEN_LAYER_generate core flow bn extract fc tadam netcfg packets attacks logs models)
set(SECGEN_LAYER_eval core flow bn netcfg) # netcfg: config containment findings
set(SECGEN_LAYER_detect core flow bn netcfg tadam eval)
set(SECGEN_LAYER_models "") # the embedded default models (generated C, see cmake/embed.cmake)
# external libraries each module may call (link-time check); OpenMP and libm are everyone's
set(SECGEN_EXT_bn PkgConfig::JANSSON)
set(SECGEN_EXT_fc PkgConfig::JANSSON)
set(SECGEN_EXT_tadam PkgConfig::JANSSON)
set(SECGEN_EXT_eval PkgConfig::JANSSON)
set(SECGEN_EXT_netcfg PkgConfig::JANSSON PkgConfig::YAML)
set(SECGEN_EXT_extract PkgConfig::PCAP)
set(SECGEN_EXT_packets "")
set(SECGEN_EXT_attacks PkgConfig::JANSSON PkgConfig::PCAP) # the config's list (json_t), capture replay
set(SECGEN_EXT_logs "")
set(SECGEN_EXT_generate PkgConfig::JANSSON)

set(SECGEN_LAYER_DIR ${PROJECT_BINARY_DIR}/layers)
set(SECGEN_MODULES "")
set(SECGEN_MODULE_TARGETS "")

# secgen_module(NAME SOURCES...): the object library and its layer include directories
function(secgen_module name)
  if(NOT DEFINED SECGEN_LAYER_${name})
    message(FATAL_ERROR "src/${name}/ has no layer entry in cmake/modules.cmake: say which modules it may use")
  endif()
  add_library(secgen_${name} OBJECT ${ARGN})
  set(inc ${SECGEN_LAYER_DIR}/${name}/include)
  set(src ${SECGEN_LAYER_DIR}/${name}/src)
  file(REMOVE_RECURSE ${SECGEN_LAYER_DIR}/${name})
  file(MAKE_DIRECTORY ${inc}/secgen ${src})
  foreach(m ${name} ${SECGEN_LAYER_${name}})
    if(EXISTS ${PROJECT_SOURCE_DIR}/include/secgen/${m}.h)
      file(CREATE_LINK ${PROJECT_SOURCE_DIR}/include/secgen/${m}.h ${inc}/secgen/${m}.h SYMBOLIC)
    endif()
  endforeach()
  if(EXISTS ${PROJECT_SOURCE_DIR}/src/${name})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${name} ${src}/${name} SYMBOLIC)
  endif()
  target_include_directories(secgen_${name} PRIVATE ${inc} ${src})
  target_link_libraries(secgen_${name} PRIVATE OpenMP::OpenMP_C ${SECGEN_EXT_${name}})
  set(SECGEN_MODULES ${SECGEN_MODULES} ${name} PARENT_SCOPE)
  set(SECGEN_MODULE_TARGETS ${SECGEN_MODULE_TARGETS} secgen_${name} PARENT_SCOPE)
endfunction()

# transitive closure of a module's allowed modules (its layer, their layers...)
function(secgen_layer_closure name out)
  set(todo ${SECGEN_LAYER_${name}})
  set(done "")
  while(todo)
    list(POP_FRONT todo m)
    if(NOT m IN_LIST done)
      list(APPEND done ${m})
      list(APPEND todo ${SECGEN_LAYER_${m}})
    endif()
  endwhile()
  set(${out} ${done} PARENT_SCOPE)
endfunction()

# the link-time check of one module (after every module is declared)
function(secgen_layercheck name)
  secgen_layer_closure(${name} deps)
  set(objs $<TARGET_OBJECTS:secgen_${name}>)
  set(ext ${SECGEN_EXT_${name}})
  foreach(d ${deps})
    if(TARGET secgen_${d})
      list(APPEND objs $<TARGET_OBJECTS:secgen_${d}>)
      list(APPEND ext ${SECGEN_EXT_${d}})
    endif()
  endforeach()
  list(REMOVE_DUPLICATES ext)
  add_executable(secgen_layercheck_${name} ${PROJECT_SOURCE_DIR}/cmake/layercheck.c ${objs})
  target_link_libraries(secgen_layercheck_${name} PRIVATE OpenMP::OpenMP_C ${ext} m)
  # what the test of the check needs: the objects and libraries this module may link with
  file(GENERATE OUTPUT ${SECGEN_LAYER_DIR}/${name}.link CONTENT "$<JOIN:${objs},\n>\n")
endfunction()
