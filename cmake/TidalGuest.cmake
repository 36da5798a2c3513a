# TidalGuest.cmake — build tidal guest modules (wasm32, ABI v1) with clang.
#
#   include(cmake/TidalGuest.cmake)
#   tidal_add_guest(NAME SOURCES... [INCLUDE_DIRECTORIES dirs...] [FLAGS flags...]
#                   [DEPENDS headers...])
#       -> ${CMAKE_CURRENT_BINARY_DIR}/NAME.wasm, built by the target guest_NAME (part of ALL).
#          The SDK folder guest/ is on the include path. For examples/guests/ that is
#          ${CMAKE_BINARY_DIR}/examples/guests/NAME.wasm (tests find them there).
#   tidal_add_rust_guest(NAME SOURCE)
#       -> the same from one .rs file with Debian's /usr/bin/rustc (wasm32-unknown-unknown),
#          only when TIDAL_GUEST_RUST_FOUND.
#
# Sets TIDAL_GUEST_TOOLCHAIN_FOUND (clang can target wasm32 and wasm-ld exists) and
# TIDAL_GUEST_RUST_FOUND. The flags come from spec/wasm-host-notes.md: freestanding, no libc, no
# imports; -mbulk-memory so memcpy/memset become memory.copy/fill; no SIMD (wasm2c 1.0.32 rejects
# it); --strip-debug rather than --strip-all because clang-14 runs wasm-opt when it is on PATH and
# that rejects bulk-memory modules after --strip-all; --stack-first puts the stack at address 0 so
# a stack overflow traps instead of silently overwriting static data.
include_guard(GLOBAL)

set(TIDAL_GUEST_SDK_DIR ${CMAKE_CURRENT_LIST_DIR}/../guest)
get_filename_component(TIDAL_GUEST_SDK_DIR ${TIDAL_GUEST_SDK_DIR} ABSOLUTE)

set(TIDAL_GUEST_CFLAGS --target=wasm32 -O2 -ffreestanding -nostdlib -mbulk-memory -mno-simd128
    -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes)
if(TIDAL_WERROR OR NOT DEFINED TIDAL_WERROR)
  list(APPEND TIDAL_GUEST_CFLAGS -Werror)
endif()
set(TIDAL_GUEST_LDFLAGS -Wl,--no-entry -Wl,--stack-first -Wl,-z,stack-size=65536
    -Wl,--strip-debug)

set(TIDAL_GUEST_TOOLCHAIN_FOUND OFF)
find_program(TIDAL_GUEST_CLANG NAMES clang clang-14 clang-15 clang-16 DOC "clang for wasm32 guests")
find_program(TIDAL_WASM_LD NAMES wasm-ld wasm-ld-14 wasm-ld-15 wasm-ld-16 DOC "lld's wasm linker")
if(TIDAL_GUEST_CLANG AND TIDAL_WASM_LD)
  # Probe: compile and link a one-function module (this also checks that clang finds wasm-ld).
  set(probe_dir ${CMAKE_BINARY_DIR}/CMakeFiles/tidal_guest_probe)
  file(MAKE_DIRECTORY ${probe_dir})
  file(WRITE ${probe_dir}/probe.c
       "int f(int x);\n__attribute__((export_name(\"f\"))) int f(int x) { return x + 1; }\n")
  execute_process(
    COMMAND ${TIDAL_GUEST_CLANG} ${TIDAL_GUEST_CFLAGS} -fuse-ld=${TIDAL_WASM_LD}
            ${TIDAL_GUEST_LDFLAGS} -o ${probe_dir}/probe.wasm ${probe_dir}/probe.c
    RESULT_VARIABLE probe_rc OUTPUT_QUIET ERROR_VARIABLE probe_err)
  if(probe_rc EQUAL 0)
    set(TIDAL_GUEST_TOOLCHAIN_FOUND ON)
  else()
    message(STATUS "tidal guests: ${TIDAL_GUEST_CLANG} cannot build wasm32 modules: ${probe_err}")
  endif()
endif()
if(TIDAL_GUEST_TOOLCHAIN_FOUND)
  message(STATUS "tidal guests: building wasm32 guests with ${TIDAL_GUEST_CLANG} + ${TIDAL_WASM_LD}")
else()
  message(STATUS "tidal guests: NOT building the example guests (need clang with the wasm32 "
                 "target and wasm-ld: apt-get install clang lld); their tests will be skipped")
endif()

# Rust guests: only Debian's rustc (1.63, with libstd-rust-dev-wasm32) is used; a rustup
# toolchain elsewhere on PATH is a different compiler and is deliberately not picked up.
set(TIDAL_GUEST_RUST_FOUND OFF)
if(EXISTS /usr/bin/rustc)
  set(probe_dir ${CMAKE_BINARY_DIR}/CMakeFiles/tidal_guest_probe)
  file(MAKE_DIRECTORY ${probe_dir})
  file(WRITE ${probe_dir}/probe.rs "#[no_mangle]\npub extern \"C\" fn f(x: i32) -> i32 { x + 1 }\n")
  execute_process(
    COMMAND /usr/bin/rustc --edition 2021 --target wasm32-unknown-unknown --crate-type cdylib -O
            -o ${probe_dir}/probe_rs.wasm ${probe_dir}/probe.rs
    RESULT_VARIABLE probe_rc OUTPUT_QUIET ERROR_QUIET)
  if(probe_rc EQUAL 0)
    set(TIDAL_GUEST_RUST_FOUND ON)
    message(STATUS "tidal guests: building Rust guests with /usr/bin/rustc")
  endif()
endif()
if(NOT TIDAL_GUEST_RUST_FOUND)
  message(STATUS "tidal guests: NOT building Rust guests (need Debian's rustc and "
                 "libstd-rust-dev-wasm32)")
endif()

function(tidal_add_guest name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "INCLUDE_DIRECTORIES;FLAGS;DEPENDS")
  if(NOT TIDAL_GUEST_TOOLCHAIN_FOUND)
    return()
  endif()
  set(sources "")
  foreach(src ${arg_UNPARSED_ARGUMENTS})
    get_filename_component(src ${src} ABSOLUTE)
    list(APPEND sources ${src})
  endforeach()
  set(includes -I${TIDAL_GUEST_SDK_DIR})
  foreach(dir ${arg_INCLUDE_DIRECTORIES})
    get_filename_component(dir ${dir} ABSOLUTE)
    list(APPEND includes -I${dir})
  endforeach()
  foreach(dep ${arg_DEPENDS})
    get_filename_component(dep ${dep} ABSOLUTE)
    list(APPEND sources_deps ${dep})
  endforeach()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${name}.wasm)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${TIDAL_GUEST_CLANG} ${TIDAL_GUEST_CFLAGS} ${arg_FLAGS} ${includes}
            -fuse-ld=${TIDAL_WASM_LD} ${TIDAL_GUEST_LDFLAGS} -o ${out} ${sources}
    DEPENDS ${sources} ${sources_deps} ${TIDAL_GUEST_SDK_DIR}/tidal_guest.h
    COMMENT "Building tidal guest ${name}.wasm"
    VERBATIM)
  add_custom_target(guest_${name} ALL DEPENDS ${out})
endfunction()

function(tidal_add_rust_guest name source)
  if(NOT TIDAL_GUEST_RUST_FOUND)
    return()
  endif()
  get_filename_component(source ${source} ABSOLUTE)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${name}.wasm)
  add_custom_command(
    OUTPUT ${out}
    COMMAND /usr/bin/rustc --edition 2021 --target wasm32-unknown-unknown --crate-type cdylib
            -O -C panic=abort -C strip=debuginfo -o ${out} ${source}
    DEPENDS ${source}
    COMMENT "Building tidal Rust guest ${name}.wasm"
    VERBATIM)
  add_custom_target(guest_${name} ALL DEPENDS ${out})
endfunction()
